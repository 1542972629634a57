// Where the slim image goes: what the output flags say, else beside a file input in the same
// kind of container (app.tar → app.slim.tar, an OCI layout DIR → DIR.slim), else the engine
// as NAME.slim:TAG.
import { basename } from 'node:path';
import { chooseSink } from '../sink/choose.js';
import type { SinkSpec } from '../sink/types.js';
import type { BuildOptions } from './options.js';
import { parseRefName } from '../oci/refname.js';
import { defaultSlimTag } from './tag.js';

/** A file input's host path and shape. */
export interface FileInput {
  path: string;
  dir: boolean;
  /** The image's own name inside the file, once read. */
  name?: string;
}

/** "docker.io/library/nc-cli:latest" → "nc-cli.slim:latest"; undefined when it is no valid name. */
function slimTagOfName(name: string): string | undefined {
  const familiar = name.replace(/^docker\.io\/(library\/)?/, '');
  try {
    return parseRefName(defaultSlimTag(familiar)).familiar;
  } catch {
    return undefined;
  }
}

/** An image name for a file input: "My App_v2.tar.gz" → "my-app-v2" (the reference grammar's lowercase words). */
export function nameFromPath(path: string): string {
  const base = basename(path.replace(/\/+$/, '')).replace(/\.(tar\.gz|tgz|tar)$/i, '');
  return base.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'image';
}

/** The sibling a file input's slim copy goes to by default. */
export function defaultSlimPath(path: string, dir: boolean): string {
  const p = path.replace(/\/+$/, '');
  if (dir) return `${p}.slim`;
  const m = /^(.*?)(\.tar\.gz|\.tgz|\.tar)?$/i.exec(p)!;
  return `${m[1]}.slim.tar`;
}

export function sinkFor(opts: BuildOptions, file?: FileInput): SinkSpec {
  const tag = opts.tag ?? (file ? (file.name && slimTagOfName(file.name)) || `${nameFromPath(file.path)}.slim:latest` : defaultSlimTag(opts.image));
  if (file && !opts.tag && !opts.output && !opts.push) return chooseSink({ tag, output: defaultSlimPath(file.path, file.dir) });
  return chooseSink({ tag, output: opts.output, push: opts.push, insecure: opts.insecureRegistry });
}
