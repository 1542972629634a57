// Where the reader gets its bytes: a stream (ChunkSource, skipping discards) or a region of
// a file (FileSource, positional reads, skipping is free). Both fail on a short archive.
import { TarFormatError } from './format.js';
import type { TarSource } from './read.js';

/** A TarSource over an async iterable of chunks (a stream); skipping discards chunks. */
export class ChunkSource implements TarSource {
  offset = 0;
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private readonly it: AsyncIterator<Buffer>;

  constructor(chunks: AsyncIterable<Buffer>) {
    this.it = chunks[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    const r = await this.it.next();
    if (r.done) return false;
    this.buf = r.value;
    this.pos = 0;
    return true;
  }

  async read(n: number): Promise<Buffer | null> {
    const avail = this.buf.length - this.pos;
    if (avail >= n) {
      const out = this.buf.subarray(this.pos, this.pos + n);
      this.pos += n;
      this.offset += n;
      return out;
    }
    const parts: Buffer[] = [];
    let got = 0;
    if (avail > 0) {
      parts.push(this.buf.subarray(this.pos));
      got = avail;
    }
    this.pos = this.buf.length;
    while (got < n) {
      if (!(await this.fill())) {
        if (got === 0) return null;
        throw new TarFormatError('truncated tar');
      }
      const take = Math.min(n - got, this.buf.length);
      parts.push(this.buf.subarray(0, take));
      this.pos = take;
      got += take;
    }
    this.offset += n;
    return Buffer.concat(parts, n);
  }

  async skip(n: number): Promise<void> {
    if (n < 0) throw new Error(`tar: skip of ${n} bytes`);
    await this.copy(n, undefined);
  }

  /** Hands the next n bytes to `sink` chunk by chunk (members written to files), or drops them. */
  async copy(n: number, sink: ((chunk: Buffer) => Promise<void> | void) | undefined): Promise<void> {
    while (n > 0) {
      const avail = this.buf.length - this.pos;
      if (avail === 0) {
        if (!(await this.fill())) throw new TarFormatError('truncated tar');
        continue;
      }
      const take = Math.min(avail, n);
      if (sink) await sink(this.buf.subarray(this.pos, this.pos + take));
      this.pos += take;
      this.offset += take;
      n -= take;
    }
  }

  /** Reads to the end so whatever hashes the stream sees all of it. */
  async drain(): Promise<void> {
    this.offset += this.buf.length - this.pos;
    this.pos = this.buf.length;
    while (await this.fill()) {
      this.offset += this.buf.length;
      this.pos = this.buf.length;
    }
  }

  async close(): Promise<void> {
    await this.it.return?.();
  }
}

/** A TarSource over a region of a file, by positional reads: skipping is free. */
export class FileSource implements TarSource {
  offset: number;
  constructor(
    private readonly fd: number,
    start: number,
    private readonly end: number,
    private readonly readAt: (fd: number, buf: Buffer, pos: number) => Promise<number>,
  ) {
    this.offset = start;
  }

  async read(n: number): Promise<Buffer | null> {
    if (this.offset >= this.end) return null;
    if (this.offset + n > this.end) throw new TarFormatError('truncated tar');
    const buf = Buffer.alloc(n);
    let got = 0;
    while (got < n) {
      const r = await this.readAt(this.fd, buf.subarray(got), this.offset + got);
      if (r === 0) throw new TarFormatError('truncated tar');
      got += r;
    }
    this.offset += n;
    return buf;
  }

  async skip(n: number): Promise<void> {
    if (n < 0) throw new Error(`tar: skip of ${n} bytes`);
    this.offset += n;
    if (this.offset > this.end) throw new TarFormatError('truncated tar');
  }
}
