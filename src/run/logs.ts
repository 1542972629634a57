// Container output: the engine multiplexes stdout/stderr into 8-byte-header frames (no TTY).
import type Docker from 'dockerode';

export interface Output {
  stdout: string;
  stderr: string;
}

interface Frame {
  stream: 'stdout' | 'stderr';
  data: Buffer;
}

/** The frames of a multiplexed log buffer in order; bytes without frame headers are stdout. */
function frames(buf: Buffer): Frame[] {
  const out: Frame[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const kind = buf[i]!;
    const len = buf.readUInt32BE(i + 4);
    if (kind > 2 || buf[i + 1] !== 0 || buf[i + 2] !== 0 || buf[i + 3] !== 0) break;
    out.push({ stream: kind === 2 ? 'stderr' : 'stdout', data: buf.subarray(i + 8, i + 8 + len) });
    i += 8 + len;
  }
  if (i < buf.length) out.push({ stream: 'stdout', data: buf.subarray(i) });
  return out;
}

/** Output kept per stream: the last 16 MiB (a chatty app must not exhaust memory). */
const MAX_BYTES = 16 << 20;

/** Splits a multiplexed log buffer into stdout and stderr. */
export function demux(buf: Buffer): Output {
  const f = frames(buf);
  const join = (s: Frame['stream']) => {
    const b = Buffer.concat(f.filter((x) => x.stream === s).map((x) => x.data));
    return (b.length > MAX_BYTES ? b.subarray(b.length - MAX_BYTES) : b).toString('utf8');
  };
  return { stdout: join('stdout'), stderr: join('stderr') };
}

/** Everything the container wrote so far (or up to `tail` lines of each stream). */
export async function readLogs(container: Docker.Container, tail?: number): Promise<Output> {
  const buf = (await container.logs({ stdout: true, stderr: true, follow: false, ...(tail ? { tail } : {}) })) as unknown as Buffer;
  return demux(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf)));
}

interface Line {
  stream: Frame['stream'];
  text: string;
}

/** The last `n` lines of interleaved output (as the engine read them), unindented. */
async function lastLines(container: Docker.Container, n = 20): Promise<Line[]> {
  try {
    const buf = (await container.logs({ stdout: true, stderr: true, follow: false, tail: n })) as unknown as Buffer;
    const lines: Line[] = [];
    for (const f of frames(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf)))) {
      for (const text of f.data.toString('utf8').split('\n')) if (text.trim()) lines.push({ stream: f.stream, text });
    }
    return lines.slice(-n);
  } catch {
    return [];
  }
}

/**
 * "<what>: <headline>" then the last lines indented, so a caller that shows only the first
 * line of an error still shows the app's own last word. The headline is the last stderr line
 * when there is one: that is where apps say why they stopped, and stdout and stderr arrive
 * through separate pipes, so their relative order is not reliable.
 */
export async function withLastOutput(container: Docker.Container, what: string, n = 20): Promise<string> {
  const lines = await lastLines(container, n);
  if (lines.length === 0) return `${what} (it wrote nothing)`;
  const headline = lines.filter((l) => l.stream === 'stderr').pop() ?? lines[lines.length - 1]!;
  return `${what}: ${headline.text.trim()}\nits last output:\n${lines.map((l) => `  | ${l.text}`).join('\n')}`;
}
