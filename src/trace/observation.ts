// Reader of an observation file (`slimts instrument`'s sensor, src/slim/OBSERVATIONS.md): the
// trace format with a second header line naming the image. Observation files come from
// containers and volumes, so they are untrusted: read with bounds on size, line length and
// paths, never through a link or from a fifo, and what is malformed is counted, not believed.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { unescapeField } from './parse.js';
import type { Intent, TraceEvent } from './parse.js';

export const OBSERVATION_VERSION = 1;
/** The sensor never writes more than this (its cap); a bigger file is not one of its own. */
export const OBSERVATION_FILE_MAX = 256 * 1024 * 1024 + 64 * 1024;
const LINE_MAX = 4 * 2 * 4096 + 512;
const PATH_MAX = 4096;

export interface Observation {
  /** The original image's id (config digest) the instrumented image was made from. */
  image: string;
  host: string;
  mode: string;
  /** Unix ms of the container start. */
  start: number;
  /** Each distinct event once. */
  events: TraceEvent[];
  /** The `#end` line was read (false: the container was killed, or the file was cut). */
  complete: boolean;
  /** Events the sensor could not write (its size bound, a full disk), from `#end`. */
  dropped: number;
  /** Lines refused: bad paths (relative, `.`/`..` segments, NUL, too long), bad fields, too long. */
  rejected: number;
  exit?: number;
}

/** Why a file is not an observation we can use (the caller warns or refuses). */
export class ObservationProblem extends Error {}

const INTENTS = new Set(['r', 'w', 'x', 's', 'd']);

export function readObservation(path: string): Observation {
  let fd: number;
  try {
    // O_NONBLOCK: a fifo planted in the dir must not hang the build.
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    throw new ObservationProblem(`cannot open: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new ObservationProblem('not a regular file');
    if (st.size > OBSERVATION_FILE_MAX) throw new ObservationProblem(`${st.size} bytes, more than an observation can be (${OBSERVATION_FILE_MAX})`);
    const obs = new Reader();
    const buf = Buffer.alloc(1 << 20);
    let carry = Buffer.alloc(0);
    let skipping = false; // inside a line longer than any the sensor writes: dropped whole, never held
    let total = 0;
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) {
      total += n;
      if (total > OBSERVATION_FILE_MAX) throw new ObservationProblem(`grew past ${OBSERVATION_FILE_MAX} bytes while read`);
      let start = 0;
      for (let nl = buf.indexOf(10, 0); nl >= 0 && nl < n; nl = buf.indexOf(10, start)) {
        const part = buf.subarray(start, nl);
        if (skipping) skipping = false;
        else if (carry.length + part.length <= LINE_MAX) obs.line(Buffer.concat([carry, part]).toString('utf8'));
        else obs.rejected++;
        carry = Buffer.alloc(0);
        start = nl + 1;
      }
      if (skipping) continue;
      if (carry.length + (n - start) <= LINE_MAX) carry = Buffer.concat([carry, buf.subarray(start, n)]);
      else {
        obs.rejected++;
        skipping = true;
        carry = Buffer.alloc(0);
      }
      if (!obs.headerSeen && total >= 2 * LINE_MAX) throw new ObservationProblem('no observation header');
    }
    // a last line without its newline was cut off mid-write: not believed
    return obs.result();
  } finally {
    closeSync(fd);
  }
}

/** Parses observation text (tests, small inputs); the same checks as the file reader. */
export function parseObservation(text: string): Observation {
  const r = new Reader();
  const lines = text.split('\n');
  lines.pop(); // the text after the last newline is an unfinished line
  for (const l of lines) r.line(l);
  return r.result();
}

class Reader {
  headerSeen = false;
  rejected = 0;
  private n = 0;
  private image?: string;
  private host = '';
  private mode = '';
  private start = 0;
  private complete = false;
  private dropped = 0;
  private exit?: number;
  private readonly seen = new Set<string>();
  private readonly events: TraceEvent[] = [];

  line(line: string): void {
    this.n++;
    if (this.n === 1) {
      const m = /^#slimts-trace (\d+) mode=(\S*) pid=\d+ start=(\d+)$/.exec(line);
      if (!m) throw new ObservationProblem('not an observation (no `#slimts-trace` header)');
      this.mode = m[2]!;
      this.start = Number(m[3]);
      return;
    }
    if (this.n === 2) {
      const m = /^#observation (\d+)\timage=([^\t]*)\thost=([^\t]*)$/.exec(line);
      if (!m) throw new ObservationProblem('not an observation (a build trace, or no `#observation` line)');
      if (Number(m[1]) !== OBSERVATION_VERSION) throw new ObservationProblem(`observation format version ${m[1]}, this slimts reads version ${OBSERVATION_VERSION}`);
      if (!/^sha256:[0-9a-f]{64}$/.test(m[2]!)) throw new ObservationProblem(`bad image id ${JSON.stringify(m[2]!.slice(0, 80))}`);
      this.image = m[2]!;
      this.host = unescapeField(m[3]!).slice(0, 255);
      this.headerSeen = true;
      return;
    }
    if (line.startsWith('#end ')) {
      const m = /^#end events=\d+ processes=\d+ dropped=(\d+) exit=(-?\d+) mode=\S*$/.exec(line);
      if (!m) { this.rejected++; return; }
      this.dropped = Number(m[1]);
      this.exit = Number(m[2]);
      this.complete = true;
      return;
    }
    if (line.startsWith('#')) return; // #answered, #resident...: not used from observations
    if (this.complete) { this.rejected++; return; } // nothing follows the summary
    const f = line.split('\t');
    if (f.length < 6 || f.length > 7 || !/^\d{1,15}$/.test(f[0]!) || !/^\d{1,10}$/.test(f[1]!) || !/^[a-z0-9_-]{1,32}$/.test(f[2]!)
      || !INTENTS.has(f[3]!) || !/^(0|E[A-Z0-9]{1,15}|-?\d{1,5})$/.test(f[4]!)) {
      this.rejected++;
      return;
    }
    const path = cleanPath(unescapeField(f[5]!));
    // the second path of symlink is link text, anything; of rename/link a path like the first
    const raw2 = f.length > 6 ? unescapeField(f[6]!) : undefined;
    const path2 = raw2 === undefined ? undefined : /symlink/.test(f[2]!) ? (raw2.length <= PATH_MAX && !raw2.includes('\0') ? raw2 : undefined) : cleanPath(raw2);
    if (!path || (raw2 !== undefined && path2 === undefined)) {
      this.rejected++;
      return;
    }
    const key = `${f[3]}\t${f[4]}\t${path}\t${path2 ?? ''}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const ev: TraceEvent = { seq: Number(f[0]), pid: Number(f[1]), syscall: f[2]!, intent: f[3] as Intent, result: f[4]!, path };
    if (path2 !== undefined) ev.path2 = path2;
    this.events.push(ev);
  }

  result(): Observation {
    if (!this.headerSeen || !this.image) throw new ObservationProblem(this.n === 0 ? 'empty file' : 'not an observation (header incomplete)');
    return {
      image: this.image, host: this.host, mode: this.mode, start: this.start, events: this.events,
      complete: this.complete, dropped: this.dropped, rejected: this.rejected, ...(this.exit !== undefined ? { exit: this.exit } : {}),
    };
  }
}

/**
 * The sensor writes absolute paths with `.` and `..` already folded: anything else (a
 * relative path, a `..` that would climb, an empty segment, a NUL) is not its output.
 */
export function cleanPath(p: string): string | undefined {
  if (!p.startsWith('/') || p.length > PATH_MAX || p.includes('\0')) return undefined;
  if (p === '/') return p;
  const segs = p.slice(1).split('/');
  if (segs.some((s) => s === '' || s === '.' || s === '..')) return undefined;
  return p;
}
