// Parser for the sensor's trace format (see FORMAT.md). Pure functions over text plus a
// reader for a trace set (the main file and the `.done` parts of the exec helper).
import { closeSync, existsSync, openSync, readdirSync, readSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** r read, w write, x exec, s stat-only probe, d chdir. */
export type Intent = 'r' | 'w' | 'x' | 's' | 'd';

export interface TraceEvent {
  seq: number;
  pid: number;
  /** Kernel syscall name, `interp` (file the kernel loaded on exec), or `fanotify-open`/`fanotify-exec`. */
  syscall: string;
  intent: Intent;
  /** `0` on success, else the errno name (`ENOENT`, ...). */
  result: string;
  /** Absolute, lexically normalized, symlinks not resolved. */
  path: string;
  path2?: string;
}

export interface TraceHeader {
  version: number;
  mode: string;
  pid: number;
  start: number;
}

export interface TraceSummary {
  events: number;
  processes: number;
  dropped: number;
  /** The app's exit status as a shell reports it (128+signal when killed). */
  exit: number;
  mode: string;
}

export interface Trace {
  header?: TraceHeader;
  events: TraceEvent[];
  summary?: TraceSummary;
  /** True when the `#end` summary line was read (the sensor finished the trace). */
  complete: boolean;
  /** With the sensor's `--syscalls`: the numbers of every syscall the traced tree made (native ABI). */
  syscalls?: number[];
  /** The `#answered` line: events with a seq up to this one came before the app's first probe answer. */
  answeredAfter?: number;
  /** `#listen` lines: the TCP ports the app listened on, at which local address, in order. */
  listens?: Array<{ port: number; addr: string }>;
  /** `#resident` lines: per file (as the app named it), the byte runs [start, end) cached at that answer: what start-up read (as written: may repeat). */
  resident?: Map<string, Array<[number, number]>>;
  /** `#mapped` lines: per file (its real path), the byte runs its processes had mapped then (pages present in their page tables). */
  mapped?: Map<string, Array<[number, number]>>;
}

const INTENTS = new Set(['r', 'w', 'x', 's', 'd']);

/** Reverses the sensor's escaping: `\t` `\n` `\r` `\\` `\xHH` (bytes, decoded as UTF-8). */
export function unescapeField(s: string): string {
  if (!s.includes('\\')) return s;
  const bytes: number[] = [];
  const raw = Buffer.from(s, 'utf8');
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== 0x5c || i + 1 >= raw.length) {
      bytes.push(c);
      continue;
    }
    const n = raw[++i]!;
    if (n === 0x74) bytes.push(9);
    else if (n === 0x6e) bytes.push(10);
    else if (n === 0x72) bytes.push(13);
    else if (n === 0x5c) bytes.push(0x5c);
    else if (n === 0x78 && i + 2 < raw.length) {
      bytes.push(parseInt(String.fromCharCode(raw[i + 1]!, raw[i + 2]!), 16));
      i += 2;
    } else bytes.push(0x5c, n);
  }
  return Buffer.from(bytes).toString('utf8');
}

function keyValues(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tok of line.split(' ')) {
    const eq = tok.indexOf('=');
    if (eq > 0) out[tok.slice(0, eq)] = tok.slice(eq + 1);
  }
  return out;
}

/** Parses one trace file's text. Malformed lines (e.g. a torn last line) are skipped. */
export function parseTrace(text: string): Trace {
  const trace: Trace = { events: [], complete: false };
  for (const line of text.split('\n')) addLine(trace, line);
  return trace;
}

/**
 * Parses a trace file line by line, in chunks: a trace may be hundreds of MB, and neither its
 * text nor an array of its lines is held at once.
 */
export function readTraceFile(path: string): Trace {
  const trace: Trace = { events: [], complete: false };
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    let carry: Buffer = Buffer.alloc(0); // a line's start from earlier chunks, as bytes
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) {
      // Split on bytes and decode whole lines: a UTF-8 sequence never contains '\n'.
      let start = 0;
      for (let nl = buf.indexOf(10, 0); nl >= 0 && nl < n; nl = buf.indexOf(10, start)) {
        const line = carry.length ? Buffer.concat([carry, buf.subarray(start, nl)]) : buf.subarray(start, nl);
        addLine(trace, line.toString('utf8'));
        carry = Buffer.alloc(0);
        start = nl + 1;
      }
      carry = Buffer.concat([carry, buf.subarray(start, n)]);
    }
    addLine(trace, carry.toString('utf8'));
  } finally {
    closeSync(fd);
  }
  return trace;
}

function addLine(trace: Trace, line: string): void {
  if (!line) return;
  if (line.startsWith('#slimts-trace ')) {
    const kv = keyValues(line);
    trace.header = {
      version: Number(line.split(' ')[1]),
      mode: kv.mode ?? '',
      pid: Number(kv.pid ?? 0),
      start: Number(kv.start ?? 0),
    };
    return;
  }
  if (line.startsWith('#end ')) {
    const kv = keyValues(line);
    trace.summary = {
      events: Number(kv.events ?? 0),
      processes: Number(kv.processes ?? 0),
      dropped: Number(kv.dropped ?? 0),
      exit: Number(kv.exit ?? 0),
      mode: kv.mode ?? '',
    };
    trace.complete = true;
    return;
  }
  if (line.startsWith('#syscalls')) {
    const nrs = line.slice('#syscalls'.length).trim().split(' ').filter((w) => /^\d{1,4}$/.test(w)).map(Number);
    trace.syscalls = [...new Set([...(trace.syscalls ?? []), ...nrs])].sort((a, b) => a - b);
    return;
  }
  if (line.startsWith('#answered ')) {
    const n = Number(line.slice('#answered '.length));
    if (Number.isSafeInteger(n) && n >= 0 && trace.answeredAfter === undefined) trace.answeredAfter = n;
    return;
  }
  if (line.startsWith('#listen\t')) {
    const [, proto, port, addr] = line.split('\t');
    const n = Number(port);
    if (proto === 'tcp' && Number.isInteger(n) && n >= 1 && n <= 65535) (trace.listens ??= []).push({ port: n, addr: addr ?? '' });
    return;
  }
  if (line.startsWith('#resident\t') || line.startsWith('#mapped\t')) {
    addRanges(trace, line.startsWith('#mapped') ? 'mapped' : 'resident', line);
    return;
  }
  if (line.startsWith('#')) return;
  const f = line.split('\t');
  if (f.length < 6 || !INTENTS.has(f[3]!)) return;
  const ev: TraceEvent = {
    seq: Number(f[0]),
    pid: Number(f[1]),
    syscall: f[2]!,
    intent: f[3] as Intent,
    result: f[4]!,
    path: unescapeField(f[5]!),
  };
  if (f.length > 6) ev.path2 = unescapeField(f[6]!);
  if (!Number.isFinite(ev.seq) || !Number.isFinite(ev.pid)) return;
  trace.events.push(ev);
}

function addRanges(trace: Trace, key: 'resident' | 'mapped', line: string): void {
  const [, raw, runs] = line.split('\t');
  if (!raw || runs === undefined) return;
  const got: Array<[number, number]> = [];
  for (const r of runs.split(' ')) {
    const m = /^(\d+)-(\d+)$/.exec(r);
    if (!m) return; // a torn line: nothing of it
    const a = Number(m[1]);
    const b = Number(m[2]);
    if (!Number.isSafeInteger(b) || b <= a) return;
    got.push([a, b]);
  }
  const path = unescapeField(raw);
  const byPath = (trace[key] ??= new Map());
  const runsOf = byPath.get(path);
  if (runsOf) runsOf.push(...got);
  else byPath.set(path, got);
}

export interface TraceSet extends Trace {
  /** The exec helper's finished parts (`FILE.<pid>.done`), in name order. */
  parts: Trace[];
}

/**
 * Reads `mainFile` (or, if the sensor was killed before finishing, `mainFile.tmp`, then
 * complete is false) and merges every `mainFile.<pid>.done` part's events after its own.
 * Unfinished `.part` files are ignored.
 */
export function readTraceSet(mainFile: string): TraceSet {
  let main: Trace = { events: [], complete: false };
  if (existsSync(mainFile)) main = readTraceFile(mainFile);
  else if (existsSync(`${mainFile}.tmp`)) {
    main = readTraceFile(`${mainFile}.tmp`);
    main.complete = false;
  }
  const dir = dirname(mainFile);
  const base = basename(mainFile);
  const re = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)\\.done$`);
  const names = existsSync(dir) ? readdirSync(dir).filter((n) => re.test(n)) : [];
  names.sort((a, b) => Number(re.exec(a)![1]) - Number(re.exec(b)![1]));
  const parts = names.map((n) => readTraceFile(join(dir, n)));
  return {
    ...main,
    events: [...main.events, ...parts.flatMap((p) => p.events)],
    ...(main.syscalls || parts.some((p) => p.syscalls)
      ? { syscalls: [...new Set([main, ...parts].flatMap((t) => t.syscalls ?? []))].sort((a, b) => a - b) }
      : {}),
    parts,
  };
}
