// Container output: the engine multiplexes stdout/stderr into 8-byte-header frames (no TTY).
import type Docker from 'dockerode';
import { UserError } from '../util/errors.js';

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

/** At most this many of the app's last lines, and bytes of them, are shown and reported. */
export const LAST_LINES = 20;
export const LAST_BYTES = 4096;
const LINE_CHARS = 400;

/**
 * A line of the app's output made safe to print: terminal escape sequences dropped, other
 * control characters shown as \xHH (a carriage return is how progress bars redraw: the text
 * after the last one is what a terminal shows), at most LINE_CHARS characters.
 */
export function sanitizeLine(text: string): string {
  const shown = text.replace(/\r+$/, '').split('\r').pop()!;
  const plain = shown.replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '').replace(/\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?/g, '');
  const safe = plain.replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return safe.length > LINE_CHARS ? `${safe.slice(0, LINE_CHARS)}…` : safe;
}

/** The last lines that fit LAST_LINES and LAST_BYTES (the newest kept). */
export function boundLines(lines: readonly string[]): string[] {
  const out: string[] = [];
  let bytes = 0;
  for (let i = lines.length - 1; i >= 0 && out.length < LAST_LINES; i--) {
    bytes += Buffer.byteLength(lines[i]!) + 1;
    if (bytes > LAST_BYTES) break;
    out.unshift(lines[i]!);
  }
  return out;
}

/** The last `n` lines of interleaved output (as the engine read them), sanitized. */
async function lastLines(container: Docker.Container, n = LAST_LINES): Promise<Line[]> {
  try {
    const buf = (await container.logs({ stdout: true, stderr: true, follow: false, tail: n })) as unknown as Buffer;
    const lines: Line[] = [];
    for (const f of frames(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf)))) {
      for (const text of f.data.toString('utf8').split('\n')) if (text.trim()) lines.push({ stream: f.stream, text: sanitizeLine(text) });
    }
    const kept = boundLines(lines.map((l) => l.text));
    return lines.slice(lines.length - kept.length);
  } catch {
    return [];
  }
}

/** The app's last lines (stdout and stderr interleaved as the engine has them), bounded and sanitized. */
export async function lastOutput(container: Docker.Container): Promise<string[]> {
  return (await lastLines(container)).map((l) => l.text);
}

/** An app that stopped or failed, with its last lines (also in the message, indented). */
export class AppOutputError extends UserError {
  constructor(message: string, readonly lastOutput: string[]) {
    super(message);
  }
}

/**
 * "<what>: <headline>" then the last lines indented, so a caller that shows only the first
 * line of an error still shows the app's own last word. The headline is the last stderr line
 * when there is one: that is where apps say why they stopped, and stdout and stderr arrive
 * through separate pipes, so their relative order is not reliable.
 */
export async function withLastOutput(container: Docker.Container, what: string): Promise<AppOutputError> {
  const lines = await lastLines(container);
  if (lines.length === 0) return new AppOutputError(`${what} (it wrote nothing)`, []);
  const headline = lines.filter((l) => l.stream === 'stderr').pop() ?? lines[lines.length - 1]!;
  return new AppOutputError(`${what}: ${headline.text.trim()}\nits last output:\n${lines.map((l) => `  | ${l.text}`).join('\n')}`, lines.map((l) => l.text));
}
