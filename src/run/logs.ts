// Container output: the engine multiplexes stdout/stderr into 8-byte-header frames (no TTY).
import type Docker from 'dockerode';

export interface Output {
  stdout: string;
  stderr: string;
}

/** Splits a multiplexed log buffer; a buffer without frame headers is all stdout. */
export function demux(buf: Buffer): Output {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const kind = buf[i]!;
    const len = buf.readUInt32BE(i + 4);
    if (kind > 2 || buf[i + 1] !== 0 || buf[i + 2] !== 0 || buf[i + 3] !== 0) break;
    (kind === 2 ? err : out).push(buf.subarray(i + 8, i + 8 + len));
    i += 8 + len;
  }
  if (i < buf.length) out.push(buf.subarray(i));
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

/** Everything the container wrote so far (or up to `tail` lines of each stream). */
export async function readLogs(container: Docker.Container, tail?: number): Promise<Output> {
  const buf = (await container.logs({ stdout: true, stderr: true, follow: false, ...(tail ? { tail } : {}) })) as unknown as Buffer;
  return demux(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf)));
}

/** The last `n` lines of interleaved output, for error messages. */
export async function lastLines(container: Docker.Container, n = 20): Promise<string> {
  try {
    const buf = (await container.logs({ stdout: true, stderr: true, follow: false, tail: n })) as unknown as Buffer;
    const { stdout, stderr } = demux(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf)));
    const lines = (stdout + stderr).split('\n').filter((l) => l.length > 0);
    return lines.slice(-n).map((l) => `  | ${l}`).join('\n');
  } catch {
    return '  | (no logs)';
  }
}
