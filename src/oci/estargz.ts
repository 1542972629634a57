// Writes an eStargz layer blob (containerd/stargz-snapshotter docs/estargz.md, as its Go
// estargz package lays it out): a gzip stream of many members, so that each regular file's
// content chunk starts a member of its own and can be fetched and inflated alone; then a
// member holding the tar entry `stargz.index.json` (the TOC: every entry's metadata, each
// chunk's member offset and sha256) and the end-of-archive blocks; then a 51-byte empty gzip
// member whose extra field names the TOC's offset. Decompressed as one stream it is a plain
// tar (the TOC just one more file), so its sha256 is the diff_id and engines that know
// nothing of eStargz pull it as gzip. Members are deflated in parallel on libuv's pool, in
// order; a chunk is at most `chunkSize` bytes, so memory stays bounded by the queue.
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { constants, gzip, type ZlibOptions } from 'node:zlib';
import { encodeHeader, padding, ZEROS } from '../tar/index.js';
import { contentSize, entryHeader } from './entry-header.js';
import { tarName } from './order.js';
import type { EstargzOptions, WriteEntry } from './types.js';
import { sha256Digest } from '../util/digest.js';

const gzipAsync = promisify<Buffer, ZlibOptions, Buffer>(gzip);

export const DEFAULT_CHUNK_SIZE = 4 << 20; // the estargz package's default
export const FOOTER_SIZE = 51;
const TOC_TAR_NAME = 'stargz.index.json';

/** One TOC entry; field names, order and omitted zero values as the Go package's JSON. */
export interface TocEntry {
  name: string;
  type: 'dir' | 'reg' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo' | 'chunk';
  size?: number;
  modtime?: string;
  linkName?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  userName?: string;
  groupName?: string;
  offset?: number;
  devMajor?: number;
  devMinor?: number;
  xattrs?: Record<string, string>;
  digest?: string;
  chunkOffset?: number;
  chunkSize?: number;
  chunkDigest?: string;
}

export interface Toc {
  version: 1;
  entries: TocEntry[];
}

export interface EstargzResult {
  /** sha256 of the TOC JSON: the `containerd.io/snapshot/stargz/toc.digest` annotation. */
  tocDigest: string;
  /** sha256 and size of the blob decompressed as one stream (the diff_id). */
  diffId: string;
  uncompressedSize: number;
  /** Compressed offset of the TOC member (what the footer names). */
  tocOffset: number;
  /** Compressed offset where the landmark's content member starts (the prefetch range end). */
  landmarkOffset?: number;
}

const TYPES: Record<WriteEntry['type'], TocEntry['type']> = {
  file: 'reg', dir: 'dir', symlink: 'symlink', hardlink: 'hardlink', char: 'char', block: 'block', fifo: 'fifo',
};

/** RFC 3339 in UTC to the second; the epoch itself is left out, as the Go package does. */
function modtime(mtime: number): string | undefined {
  const s = Math.round(mtime);
  if (!Number.isFinite(s) || s === 0) return undefined;
  return new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The TOC entry of `e`'s metadata (offsets and digests are filled in while writing). */
function tocEntry(e: WriteEntry): TocEntry {
  const t: TocEntry = { name: tarName(e.path, e.type === 'dir'), type: TYPES[e.type] };
  if (e.type === 'file' && e.size > 0) t.size = e.size;
  const mt = modtime(e.mtime);
  if (mt) t.modtime = mt;
  if (e.type === 'hardlink') t.linkName = tarName(e.linkname!, false);
  else if (e.type === 'symlink' && e.linkname) t.linkName = e.linkname;
  if (e.mode & 0o7777) t.mode = e.mode & 0o7777;
  if (e.uid) t.uid = e.uid;
  if (e.gid) t.gid = e.gid;
  if (e.uname) t.userName = e.uname;
  if (e.gname) t.groupName = e.gname;
  if (e.type === 'char' || e.type === 'block') {
    if (e.devmajor) t.devMajor = e.devmajor;
    if (e.devminor) t.devMinor = e.devminor;
  }
  if (e.xattrs && Object.keys(e.xattrs).length) {
    t.xattrs = Object.fromEntries(Object.keys(e.xattrs).sort().map((k) => [k, e.xattrs![k]!.toString('base64')]));
  }
  return t;
}

/** The footer: an empty gzip member with extra field "SG" + "%016x" offset + "STARGZ". */
export function footer(tocOffset: number): Buffer {
  const sub = Buffer.from(`${tocOffset.toString(16).padStart(16, '0')}STARGZ`, 'ascii');
  const b = Buffer.alloc(FOOTER_SIZE);
  // ID1 ID2 CM FLG=FEXTRA MTIME(4)=0 XFL=0 OS=255, as Go's gzip writer makes it
  Buffer.from([0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff]).copy(b, 0);
  b.writeUInt16LE(4 + sub.length, 10); // XLEN
  b.write('SG', 12, 'ascii');
  b.writeUInt16LE(sub.length, 14);
  sub.copy(b, 16);
  // a final stored block of 0 bytes, then CRC32 = 0 and ISIZE = 0
  Buffer.from([0x01, 0x00, 0x00, 0xff, 0xff]).copy(b, 16 + sub.length);
  return b;
}

/** Reads the TOC offset from a footer (null when the bytes are not an eStargz footer). */
export function parseFooter(b: Buffer): number | null {
  if (b.length !== FOOTER_SIZE || b[0] !== 0x1f || b[1] !== 0x8b || b[3] !== 4) return null;
  if (b.readUInt16LE(10) !== 26 || b.toString('ascii', 12, 14) !== 'SG' || b.readUInt16LE(14) !== 22) return null;
  const sub = b.toString('ascii', 16, 38);
  const m = /^([0-9a-f]{16})STARGZ$/.exec(sub);
  return m ? parseInt(m[1]!, 16) : null;
}

/**
 * An eStargz writer over entries already in blob order (see estargz-order.ts). Iterate
 * `blob()` for the compressed bytes; `result` is set once it is done.
 */
export class EstargzWriter {
  result: EstargzResult | undefined;
  private readonly chunkSize: number;
  private readonly level: number;
  private readonly depth: number;
  private readonly cuts: ReadonlyMap<string, readonly number[]>;

  constructor(private readonly entries: readonly WriteEntry[], opts: EstargzOptions = {}) {
    this.chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
    if (!Number.isSafeInteger(this.chunkSize) || this.chunkSize < 1) throw new Error(`estargz: bad chunk size ${opts.chunkSize}`);
    this.level = opts.level ?? constants.Z_DEFAULT_COMPRESSION;
    this.depth = Math.max(2, (opts.parallel ?? availableParallelism()) * 2);
    this.cuts = opts.cuts ?? new Map();
  }

  async *blob(): AsyncGenerator<Buffer> {
    const diff = createHash('sha256');
    let usize = 0;
    let cur: Buffer[] = [];
    let curLen = 0;
    let members = 0; // members closed so far (the next member's index)
    const queue: Promise<Buffer>[] = [];
    const memberOffsets: number[] = [];
    let pos = 0;
    const toc: TocEntry[] = [];
    const memberOf = new Map<TocEntry, number>();

    const write = (b: Buffer) => {
      if (!b.length) return;
      cur.push(b);
      curLen += b.length;
      diff.update(b);
      usize += b.length;
    };
    const closeMember = () => {
      if (!curLen) return;
      const data = cur.length === 1 ? cur[0]! : Buffer.concat(cur, curLen);
      const p = gzipAsync(data, { level: this.level });
      p.catch(() => {}); // awaited in order below
      queue.push(p);
      members++;
      cur = [];
      curLen = 0;
    };
    const self = this;
    async function* drain(keep: number): AsyncGenerator<Buffer> {
      while (queue.length > keep) {
        const b = await queue.shift()!;
        memberOffsets.push(pos);
        pos += b.length;
        yield b;
      }
    }

    for (const e of this.entries) {
      const size = contentSize(e);
      write(entryHeader(e));
      const ent = tocEntry(e);
      if (size === 0) {
        if (e.type === 'file') ent.digest = sha256Digest('');
        toc.push(ent);
        continue;
      }
      if (!e.open) throw new Error(`writer: file ${e.path} has ${size} bytes but no content`);
      const fileHash = createHash('sha256');
      const src: Readable = await e.open();
      let written = 0;
      let chunk = ent;
      let parts: Buffer[] = [];
      let partsLen = 0;
      const cuts = [...(this.cuts.get(e.path) ?? [])].sort((a, b) => a - b);
      // bytes until the next chunk boundary: a cut, or chunkSize past this chunk's start
      const nextLen = () => {
        while (cuts.length && cuts[0]! <= written) cuts.shift();
        return Math.min(this.chunkSize, (cuts[0] ?? Infinity) - written);
      };
      // One chunk: a fresh member holding exactly its bytes (the next headers follow in it).
      const putChunk = (bytes: Buffer) => {
        closeMember();
        chunk.chunkOffset = written || undefined;
        // a chunk names its size, except the last, shorter one: the file's size tells it
        if (bytes.length === self.chunkSize || written + bytes.length < size) chunk.chunkSize = bytes.length;
        chunk.chunkDigest = sha256Digest(bytes);
        memberOf.set(chunk, members);
        write(bytes);
        toc.push(chunk);
        written += bytes.length;
        chunk = { name: ent.name, type: 'chunk' };
      };
      try {
        for await (const c of src) {
          const b: Buffer = Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array);
          if (written + partsLen + b.length > size) throw new Error(`writer: content of ${e.path} is longer than its size ${size}`);
          fileHash.update(b);
          parts.push(b);
          partsLen += b.length;
          for (let want = nextLen(); partsLen >= want; want = nextLen()) {
            const all = parts.length === 1 ? parts[0]! : Buffer.concat(parts, partsLen);
            putChunk(Buffer.from(all.subarray(0, want)));
            const rest = all.subarray(want);
            parts = rest.length ? [Buffer.from(rest)] : [];
            partsLen = rest.length;
            yield* drain(this.depth);
          }
        }
      } finally {
        src.destroy();
      }
      if (partsLen) putChunk(parts.length === 1 ? Buffer.from(parts[0]!) : Buffer.concat(parts, partsLen));
      if (written !== size) throw new Error(`writer: content of ${e.path} is ${written} bytes, expected ${size}`);
      ent.digest = `sha256:${fileHash.digest('hex')}`;
      write(ZEROS.subarray(0, padding(size)));
      yield* drain(this.depth);
    }
    closeMember();
    yield* drain(0);

    for (const [t, m] of memberOf) t.offset = memberOffsets[m]!;
    const tocOffset = pos;
    const json = Buffer.from(JSON.stringify({ version: 1, entries: toc } satisfies Toc));
    const tocTar = Buffer.concat([
      encodeHeader({ name: TOC_TAR_NAME, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, size: json.length }),
      json, ZEROS.subarray(0, padding(json.length)), ZEROS,
    ]);
    diff.update(tocTar);
    usize += tocTar.length;
    const tocMember = await gzipAsync(tocTar, { level: this.level });
    yield tocMember;
    yield footer(tocOffset);
    const landmark = toc.find((t) => t.name === '.prefetch.landmark');
    this.result = {
      tocDigest: sha256Digest(json),
      diffId: `sha256:${diff.digest('hex')}`,
      uncompressedSize: usize,
      tocOffset,
      landmarkOffset: landmark?.offset,
    };
  }
}
