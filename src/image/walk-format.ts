// The wire of the engine-side reader (sensors/walk/walk.c): the engine's attach framing, the
// walk's records and the answers to reads. Pure byte handling, no engine.

/** One entry of the walk, as stat saw it in the image's root. */
export interface WalkRecord {
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo';
  /** st_mode (type and permission bits). */
  mode: number;
  uid: number;
  gid: number;
  mtimeSec: number;
  mtimeNsec: number;
  size: number;
  ino: bigint;
  nlink: number;
  devmajor: number;
  devminor: number;
  linkname?: string;
  capability?: Buffer;
}

const TYPES: Record<string, WalkRecord['type']> = { f: 'file', d: 'dir', l: 'symlink', c: 'char', b: 'block', p: 'fifo' };
/** Fixed part of an 'E' payload after the kind byte. */
const ENTRY_FIXED = 67;
/** A record longer than this is not the walker talking: the stream is bounded. */
const MAX_RECORD = 1 << 20;

/**
 * Undoes the engine's stream framing (a non-TTY attach/exec: 8-byte headers, stream 1 stdout,
 * 2 stderr). Stdout bytes go to `onOut`; stderr is kept (bounded) for error messages.
 */
export class Demux {
  private pending = Buffer.alloc(0);
  private left = 0;
  private stream = 0;
  stderr = '';

  constructor(private readonly onOut: (b: Buffer) => void) {}

  push(chunk: Buffer): void {
    let b = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    while (b.length) {
      if (this.left === 0) {
        if (b.length < 8) {
          this.pending = Buffer.from(b);
          return;
        }
        this.stream = b[0]!;
        this.left = b.readUInt32BE(4);
        b = b.subarray(8);
        continue;
      }
      const n = Math.min(this.left, b.length);
      const part = b.subarray(0, n);
      if (this.stream === 2) {
        if (this.stderr.length < 4096) this.stderr += part.toString('utf8');
      } else this.onOut(part);
      this.left -= n;
      b = b.subarray(n);
    }
  }
}

/** Collects bytes and hands out exact-length pieces. */
export class ByteQueue {
  private chunks: Buffer[] = [];
  private offset = 0;
  length = 0;

  push(b: Buffer): void {
    if (b.length === 0) return;
    this.chunks.push(b);
    this.length += b.length;
  }

  /** Removes and returns up to n bytes (copying only when they span chunks). */
  take(n: number): Buffer {
    n = Math.min(n, this.length);
    const first = this.chunks[0];
    if (first && first.length - this.offset >= n) {
      const out = first.subarray(this.offset, this.offset + n);
      this.offset += n;
      if (this.offset === first.length) {
        this.chunks.shift();
        this.offset = 0;
      }
      this.length -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let got = 0;
    while (got < n) {
      const c = this.chunks[0]!;
      const k = Math.min(n - got, c.length - this.offset);
      c.copy(out, got, this.offset, this.offset + k);
      got += k;
      this.offset += k;
      if (this.offset === c.length) {
        this.chunks.shift();
        this.offset = 0;
      }
    }
    this.length -= n;
    return out;
  }

  /** The next 4 bytes as a u32, without taking them; -1 when fewer are buffered. */
  peekUInt32LE(): number {
    if (this.length < 4) return -1;
    const b = Buffer.alloc(4);
    let got = 0;
    for (let i = 0, off = this.offset; got < 4; i++, off = 0) {
      const c = this.chunks[i]!;
      got += c.copy(b, got, off, Math.min(c.length, off + 4 - got));
    }
    return b.readUInt32LE(0);
  }
}

export type WalkEvent =
  | { kind: 'entry'; record: WalkRecord }
  | { kind: 'live' }
  | { kind: 'end'; count: number }
  | { kind: 'error'; message: string };

/** Takes the next complete walk record from `q`, or undefined when more bytes are needed. */
export function nextWalkEvent(q: ByteQueue): WalkEvent | undefined {
  const len = q.peekUInt32LE();
  if (len < 0) return undefined;
  if (len < 1 || len > MAX_RECORD) throw new Error(`engine walk: bad record length ${len}`);
  if (q.length < 4 + len) return undefined;
  q.take(4);
  const p = q.take(len);
  const kind = String.fromCharCode(p[0]!);
  if (kind === 'Z') return { kind: 'end', count: Number(p.readBigUInt64LE(1)) };
  if (kind === 'X') return { kind: 'error', message: p.subarray(1).toString('utf8') };
  if (kind === 'L') return { kind: 'live' };
  if (kind !== 'E' || p.length < 1 + ENTRY_FIXED) throw new Error(`engine walk: unknown record "${kind}"`);
  return { kind: 'entry', record: parseEntry(p.subarray(1)) };
}

function parseEntry(b: Buffer): WalkRecord {
  const type = TYPES[String.fromCharCode(b[0]!)];
  if (!type) throw new Error(`engine walk: unknown entry type ${b[0]}`);
  const plen = b.readUInt32LE(55);
  const llen = b.readUInt32LE(59);
  const clen = b.readUInt32LE(63);
  if (ENTRY_FIXED + plen + llen + clen !== b.length) throw new Error('engine walk: entry lengths do not add up');
  let at = ENTRY_FIXED;
  const path = b.toString('utf8', at, (at += plen));
  const r: WalkRecord = {
    path,
    type,
    mode: b.readUInt32LE(3),
    uid: b.readUInt32LE(7),
    gid: b.readUInt32LE(11),
    mtimeSec: Number(b.readBigInt64LE(15)),
    mtimeNsec: b.readUInt32LE(23),
    size: Number(b.readBigUInt64LE(27)),
    ino: b.readBigUInt64LE(35),
    nlink: b.readUInt32LE(43),
    devmajor: b.readUInt32LE(47),
    devminor: b.readUInt32LE(51),
  };
  if (type === 'symlink') r.linkname = b.toString('utf8', at, at + llen);
  at += llen;
  if (clen) r.capability = Buffer.from(b.subarray(at, at + clen));
  return r;
}

/** A read request: u32 path length, u64 offset, u64 length, path. */
export function readRequest(path: string, offset: number, length: number): Buffer {
  const p = Buffer.from(path, 'utf8');
  const h = Buffer.alloc(20);
  h.writeUInt32LE(p.length, 0);
  h.writeBigUInt64LE(BigInt(offset), 4);
  h.writeBigUInt64LE(BigInt(length), 12);
  return Buffer.concat([h, p]);
}
