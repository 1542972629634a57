// The files of an engine image as the engine walk reads them (ImageFiles): the index from the
// walk, synchronous reads for facts (whole small files, blocks of big ones, cached and fetched
// ahead), and the kept files' contents as one pipelined stream on the walker's stdin/stdout,
// in the order the writer planned.
import { Readable } from 'node:stream';
import type { EngineEndpoint } from '../engine/exec-stream.js';
import type { ImageFiles } from './files.js';
import { resolvePath } from './resolve-path.js';
import type { FsEntry, FsIndex, ImageConfig } from './types.js';
import { statOf, type FileView } from './view.js';
import type { WalkerConn } from './walk-conn.js';
import { readRequest } from './walk-format.js';
import { SyncReader } from './walk-sync-read.js';

/** Files up to this size are fetched whole on their first read (facts read a file's head, then more). */
const WHOLE_FILE = 1 << 20;
const BLOCK = 256 << 10;
/** Bytes of fetched content kept for further reads. */
const CACHE_BYTES = 4 << 20;
/** Most bytes fetched ahead for facts (whatever is not, is read when asked). */
const PREFETCH_BYTES = 8 << 20;

/** Fetched bytes by path and block, bounded, oldest dropped first. */
class ContentCache {
  private readonly map = new Map<string, Buffer>();
  private bytes = 0;

  get(key: string): Buffer | undefined {
    return this.map.get(key);
  }

  set(key: string, b: Buffer): void {
    this.map.set(key, b);
    this.bytes += b.length;
    for (const [k, v] of this.map) {
      if (this.bytes <= CACHE_BYTES) break;
      this.map.delete(k);
      this.bytes -= v.length;
    }
  }
}

export class EngineFiles implements ImageFiles {
  private readonly sync: SyncReader;
  private readonly cache = new ContentCache();
  /** Whole files fetched ahead: the write takes them from there, not from the stream again. */
  private readonly early = new Set<string>();
  /** Paths whose answers are on their way in the main stream, in order. */
  private readonly pending: string[] = [];
  private readonly served = new Set<string>();
  private turn: Promise<void> = Promise.resolve();

  constructor(
    readonly index: FsIndex,
    readonly config: ImageConfig,
    containerId: string,
    walker: string,
    private readonly conn: WalkerConn,
    private readonly dispose: () => Promise<void>,
    endpoint: EngineEndpoint | undefined,
  ) {
    // its exec starts now, while the app runs
    this.sync = new SyncReader(containerId, walker, endpoint);
  }

  read(entry: FsEntry, offset: number, length: number): Buffer {
    const size = entry.content?.size ?? entry.size;
    const n = Math.max(0, Math.min(length, size - offset));
    if (n === 0) return Buffer.alloc(0);
    if (size <= WHOLE_FILE) return this.block(entry.path, 0, size).subarray(offset, offset + n);
    // a read over several blocks (an ELF file's read-only data): asked for at once, pipelined,
    // so it waits one round trip, not one per block
    const ahead: Array<{ path: string; offset: number; length: number }> = [];
    for (let start = offset - (offset % BLOCK); start < offset + n; start += BLOCK) {
      if (!this.cache.get(`${start}:${entry.path}`)) ahead.push({ path: entry.path, offset: start, length: Math.min(BLOCK, size - start) });
    }
    if (ahead.length > 1) this.sync.prefetch(ahead);
    const out = Buffer.alloc(n);
    for (let got = 0; got < n; ) {
      const at = offset + got;
      const start = at - (at % BLOCK);
      const b = this.block(entry.path, start, Math.min(BLOCK, size - start));
      got += b.copy(out, got, at - start);
    }
    return out;
  }

  /**
   * Fetches ahead, in one pipelined batch, what facts will read of these paths (symlinks
   * followed in the index): the whole file when small, else its first block.
   */
  prefetch(paths: Iterable<string>): void {
    const reqs: Array<{ path: string; offset: number; length: number }> = [];
    const seen = new Set<string>();
    let bytes = 0;
    for (const p of paths) {
      const e = resolveFile(this.index, p);
      if (!e || seen.has(e.path)) continue;
      seen.add(e.path);
      const size = e.content?.size ?? e.size;
      const length = size <= WHOLE_FILE ? size : Math.min(BLOCK, size);
      if (length === 0 || bytes + length > PREFETCH_BYTES) continue;
      bytes += length;
      reqs.push({ path: e.path, offset: 0, length });
      if (length === size) this.early.add(e.path);
    }
    this.sync.prefetch(reqs);
  }

  private block(path: string, start: number, length: number): Buffer {
    const key = `${start}:${path}`;
    let b = this.cache.get(key);
    if (!b) {
      b = this.sync.read(path, start, length);
      this.cache.set(key, b);
    }
    return b;
  }

  plan(entries: readonly FsEntry[]): void {
    const reqs: Buffer[] = [];
    for (const e of entries) {
      if (this.early.has(e.path)) continue;
      reqs.push(readRequest(e.path, 0, e.content?.size ?? e.size));
      this.pending.push(e.path);
    }
    if (reqs.length) this.conn.send(Buffer.concat(reqs));
  }

  /**
   * The next answer of the main stream when it is this entry's (as planned); otherwise the
   * entry is read on the side and its planned answer skipped when it comes.
   */
  open(entry: FsEntry): Promise<Readable> {
    const size = entry.content?.size ?? entry.size;
    const prev = this.turn;
    let done!: () => void;
    this.turn = new Promise<void>((r) => (done = r));
    return prev.then(async () => {
      // answers of entries already served on the side go by unread
      while (this.pending.length && this.served.has(this.pending[0]!)) {
        this.served.delete(this.pending[0]!);
        await this.skipAnswer();
      }
      if (this.pending[0] !== entry.path || this.early.has(entry.path)) {
        // fetched ahead, not planned, or asked out of the planned order: read on the side,
        // leaving the planned stream in step
        if (this.pending.includes(entry.path)) this.served.add(entry.path);
        done();
        return Readable.from(this.chunks(entry, size), { objectMode: false });
      }
      this.pending.shift();
      const n = Number((await this.conn.take(8)).readBigInt64LE(0));
      if (n < 0) {
        done();
        throw new Error(`${entry.path}: cannot read in the image (errno ${-n})`);
      }
      if (n !== size) {
        done();
        throw new Error(`${entry.path}: the image holds ${n} bytes, the index ${size}`);
      }
      return Readable.from(this.body(n, done), { objectMode: false });
    });
  }

  private *chunks(entry: FsEntry, size: number): Generator<Buffer> {
    for (let at = 0; at < size; at += BLOCK) yield Buffer.from(this.read(entry, at, Math.min(BLOCK, size - at)));
  }

  private async *body(n: number, done: () => void): AsyncGenerator<Buffer> {
    try {
      for (let left = n; left > 0; ) {
        await this.conn.need(1);
        const b = await this.conn.take(Math.min(left, Math.max(1, Math.min(this.conn.queue.length, 1 << 20))));
        left -= b.length;
        yield Buffer.from(b);
      }
    } finally {
      done();
    }
  }

  private async skipAnswer(): Promise<void> {
    this.pending.shift();
    const n = Number((await this.conn.take(8)).readBigInt64LE(0));
    for (let left = Math.max(0, n); left > 0; ) {
      await this.conn.need(1);
      left -= (await this.conn.take(Math.min(left, this.conn.queue.length))).length;
    }
  }

  async close(): Promise<void> {
    await this.sync.close().catch(() => undefined);
    await this.dispose();
  }
}

/** The file a path names in the index, through symlinks (as the kernel follows them), or undefined. */
function resolveFile(index: FsIndex, path: string): FsEntry | undefined {
  const view: FileView = {
    lstat: (p) => {
      const e = index.get(p);
      return e && statOf(e);
    },
    read: (p) => {
      throw new Error(`the walk's index holds no contents (${p})`);
    },
  };
  const r = resolvePath(view, path);
  const e = r.stat?.type === 'file' ? index.get(r.path) : undefined;
  return e && (e.type === 'file' || e.type === 'hardlink') ? e : undefined;
}
