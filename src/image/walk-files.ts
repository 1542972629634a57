// The files of an engine image as the engine walk reads them (ImageFiles): the index from the
// walk, synchronous reads for facts (whole small files, blocks of big ones, fetched ahead in
// batches and kept on disk in the reader's spill file), and the kept files' contents: from the
// spill when they landed there whole, else as one pipelined stream on the walker's
// stdin/stdout, in the order the writer planned.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { EngineEndpoint } from '../engine/exec-stream.js';
import type { ImageFiles } from './files.js';
import { resolvePath } from './resolve-path.js';
import type { FsEntry, FsIndex, ImageConfig } from './types.js';
import { statOf, type FileView } from './view.js';
import type { WalkerConn } from './walk-conn.js';
import { readRequest } from './walk-format.js';
import type { ReadRequest } from './walk-read-worker.js';
import { SyncReader, type ReadStats } from './walk-sync-read.js';
import { TmpDir } from './tmpdir.js';

/** Files up to this size are fetched whole on their first read (facts read a file's head, then more). */
const WHOLE_FILE = 1 << 20;
const BLOCK = 256 << 10;
/**
 * Most bytes the spill file holds: what was read once, on disk for the write and any later
 * read. Past it, reads come in their answers and nothing more is fetched ahead.
 */
const SPILL_LIMIT = 2 * 2 ** 30;

export class EngineFiles implements ImageFiles {
  private readonly sync: SyncReader;
  private readonly tmp = new TmpDir();
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
    this.sync = new SyncReader(containerId, walker, endpoint, this.tmp.file('spill'), SPILL_LIMIT);
  }

  /** What the synchronous reads cost so far. */
  get readStats(): ReadStats {
    return { ...this.sync.stats };
  }

  read(entry: FsEntry, offset: number, length: number): Buffer {
    const size = entry.content?.size ?? entry.size;
    const n = Math.max(0, Math.min(length, size - offset));
    if (n === 0) return Buffer.alloc(0);
    const hit = this.sync.landed(entry.path, offset, n);
    if (hit) return hit;
    // small, or asked for whole ahead (its blocks would come after it): the whole file
    if (size <= WHOLE_FILE || this.sync.has({ path: entry.path, offset: 0, length: size })) return this.sync.read(entry.path, 0, size).subarray(offset, offset + n);
    // a read over several blocks (an ELF file's read-only data): asked for at once, pipelined,
    // so it waits one round trip, not one per block
    const blocks: ReadRequest[] = [];
    for (let start = offset - (offset % BLOCK); start < offset + n; start += BLOCK) blocks.push({ path: entry.path, offset: start, length: Math.min(BLOCK, size - start) });
    if (blocks.length > 1) this.sync.fetch(blocks);
    const out = Buffer.alloc(n);
    for (let got = 0; got < n; ) {
      const at = offset + got;
      const b = blocks[Math.floor(at / BLOCK) - Math.floor(offset / BLOCK)]!;
      got += this.sync.read(b.path, b.offset, b.length).copy(out, got, at - b.offset);
    }
    return out;
  }

  /**
   * Fetches ahead, in one pipelined batch, what facts will read of these paths (symlinks
   * followed in the index): the whole file when small or when `whole` (a kept ELF file whose
   * strings are read: the write then takes it from the spill), else its first block.
   */
  prefetch(paths: Iterable<string>, opts: { whole?: boolean } = {}): void {
    const reqs: ReadRequest[] = [];
    const seen = new Set<string>();
    for (const p of paths) {
      const e = resolveFile(this.index, p);
      if (!e || seen.has(e.path)) continue;
      seen.add(e.path);
      const size = e.content?.size ?? e.size;
      if (size === 0 || this.sync.whole(e.path, size)) continue;
      reqs.push({ path: e.path, offset: 0, length: size <= WHOLE_FILE || opts.whole ? size : BLOCK });
    }
    this.sync.fetch(reqs);
  }

  plan(entries: readonly FsEntry[]): void {
    const reqs: Buffer[] = [];
    for (const e of entries) {
      const size = e.content?.size ?? e.size;
      // the writer opens no empty file; what landed whole in the spill is read from there
      if (size === 0 || this.sync.whole(e.path, size)) continue;
      reqs.push(readRequest(e.path, 0, size));
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
      if (this.pending[0] !== entry.path) {
        // in the spill, not planned, or asked out of the planned order: read on the side,
        // leaving the planned stream in step
        if (this.pending.includes(entry.path)) this.served.add(entry.path);
        done();
        const w = size > 0 ? this.sync.whole(entry.path, size) : undefined;
        if (w) return createReadStream(this.sync.spill, { start: w.at, end: w.at + w.n - 1 });
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
    this.tmp.remove();
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
