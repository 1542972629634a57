// The one place that turns the output flags every command shares into a sink.
import { resolve } from 'node:path';
import { UserError } from '../util/errors.js';
import type { SinkSpec } from './types.js';

export interface OutputFlags {
  /** Engine tag; also the name recorded in an OCI output. */
  tag: string;
  /** PATH ending in .tar → OCI archive, else OCI layout dir. */
  output?: string;
  /** HOST[:PORT]/NAME[:TAG] to push to. */
  push?: string;
  /** Plain http to the registry (loopback hosts use it anyway). */
  insecure?: boolean;
}

export function chooseSink(f: OutputFlags): SinkSpec {
  if (f.output && f.push) throw new UserError('--output and --push are exclusive: choose one destination');
  if (f.push) return { kind: 'registry', ref: f.push, insecure: f.insecure };
  if (f.output) {
    const path = resolve(f.output);
    return f.output.endsWith('.tar') ? { kind: 'oci-archive', path, tag: f.tag } : { kind: 'oci-dir', path, tag: f.tag };
  }
  return { kind: 'engine', tag: f.tag };
}
