// A small tar header reader shared by the layer parser and the archive scanner. We parse
// headers ourselves (rather than through tar-stream) because callers need the byte
// offset of every entry's content: layers are read in place, never extracted.
// Handles ustar, old v7, GNU long names ('L'/'K') and PAX records ('x'/'g').

export const BLOCK = 512;

/** One header with its PAX / GNU extensions applied; paths are raw (not normalised). */
export interface RawEntry {
  name: string;
  /** Single-char typeflag ('0', '5', ...); '\0' is reported as '0'. */
  typeflag: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  xattrs?: Record<string, Buffer>;
  /** Offset of the (first) header block of this entry, including extension headers. */
  headerOffset: number;
  /** Offset of the content. */
  dataOffset: number;
}

/** A byte source positioned at `offset`; `read` returns exactly n bytes or null at EOF. */
export interface TarSource {
  readonly offset: number;
  read(n: number): Promise<Buffer | null>;
  skip(n: number): Promise<void>;
}

export class TarFormatError extends Error {}

export function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

function cstring(buf: Buffer, start: number, len: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end < 0 || end > start + len ? start + len : end);
}

/** Octal (possibly space/NUL padded) or GNU base-256 numbers. */
function num(buf: Buffer, start: number, len: number): number {
  if (buf[start] & 0x80) {
    // base-256: big-endian two's complement; the top bit of the first byte is the flag.
    let v = buf[start] & 0x3f;
    const neg = (buf[start] & 0x40) !== 0;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + buf[i];
    return neg ? v - 2 ** ((len - 1) * 8 + 6) : v;
  }
  const s = buf.toString('latin1', start, start + len).replace(/[\0 ]+$/, '').trim();
  if (s === '') return 0;
  const v = parseInt(s, 8);
  if (Number.isNaN(v)) throw new TarFormatError(`invalid number field "${s}"`);
  return v;
}

function checksumOk(buf: Buffer): boolean {
  const stored = num(buf, 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 32 : buf[i];
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

interface Header {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
}

function parseHeader(buf: Buffer): Header {
  if (!checksumOk(buf)) throw new TarFormatError('bad header checksum');
  const magic = buf.toString('latin1', 257, 263);
  let name = cstring(buf, 0, 100);
  // POSIX ustar splits long names into prefix/name; GNU uses that area for other fields.
  if (magic === 'ustar\0') {
    const prefix = cstring(buf, 345, 155);
    if (prefix) name = `${prefix}/${name}`;
  }
  const ustar = magic.startsWith('ustar');
  let typeflag = String.fromCharCode(buf[156]);
  if (typeflag === '\0') typeflag = '0';
  return {
    name,
    mode: num(buf, 100, 8),
    uid: num(buf, 108, 8),
    gid: num(buf, 116, 8),
    size: num(buf, 124, 12),
    mtime: num(buf, 136, 12),
    typeflag,
    linkname: cstring(buf, 157, 100),
    uname: ustar ? cstring(buf, 265, 32) : '',
    gname: ustar ? cstring(buf, 297, 32) : '',
    devmajor: ustar ? num(buf, 329, 8) : 0,
    devminor: ustar ? num(buf, 337, 8) : 0,
  };
}

type Pax = Map<string, Buffer>;

/** PAX records are "LEN key=value\n"; values stay bytes (xattrs are binary). */
function parsePax(data: Buffer, into: Pax): void {
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break; // trailing NUL padding written by some tools
    const sp = data.indexOf(0x20, pos);
    if (sp < 0) throw new TarFormatError('malformed PAX record');
    const len = parseInt(data.toString('latin1', pos, sp), 10);
    if (!(len > 0) || pos + len > data.length) throw new TarFormatError('malformed PAX record length');
    const rec = data.subarray(sp + 1, pos + len - 1); // drop the trailing newline
    const eq = rec.indexOf(0x3d);
    if (eq < 0) throw new TarFormatError('malformed PAX record');
    const key = rec.toString('utf8', 0, eq);
    const value = Buffer.from(rec.subarray(eq + 1)); // copy: the record buffer may be reused
    if (value.length === 0) into.delete(key); // an empty value unsets a global
    else into.set(key, value);
    pos += len;
  }
}

function applyPax(h: Header, pax: Pax): Record<string, Buffer> | undefined {
  let xattrs: Record<string, Buffer> | undefined;
  for (const [key, value] of pax) {
    const str = () => value.toString('utf8');
    switch (key) {
      case 'path': h.name = str(); break;
      case 'linkpath': h.linkname = str(); break;
      case 'size': h.size = Number(str()); break;
      case 'uid': h.uid = Number(str()); break;
      case 'gid': h.gid = Number(str()); break;
      case 'mtime': h.mtime = Number(str()); break;
      case 'uname': h.uname = str(); break;
      case 'gname': h.gname = str(); break;
      default:
        if (key.startsWith('SCHILY.xattr.')) {
          (xattrs ??= {})[key.slice('SCHILY.xattr.'.length)] = value;
        } else if (key.startsWith('LIBARCHIVE.xattr.')) {
          // libarchive: URL-encoded name, base64 value.
          const name = decodeURIComponent(key.slice('LIBARCHIVE.xattr.'.length));
          (xattrs ??= {})[name] = Buffer.from(str(), 'base64');
        }
    }
  }
  if (!Number.isFinite(h.size) || h.size < 0) throw new TarFormatError('invalid PAX size');
  return xattrs;
}

const META_MAX = 64 << 20; // extension records are small; refuse absurd ones

/**
 * Iterates the entries of a tar from `src`. After each yield the iterator skips whatever
 * of the entry's content the consumer did not read (consumers only read through their own
 * positional access, so usually all of it). Stops at the end-of-archive marker or EOF.
 */
export async function* iterateTar(src: TarSource): AsyncGenerator<RawEntry> {
  const globals: Pax = new Map();
  let local: Pax | null = null;
  let longName: string | null = null;
  let longLink: string | null = null;
  let headerOffset = -1;
  for (;;) {
    const start = src.offset;
    const block = await src.read(BLOCK);
    if (!block) return; // EOF without an end marker: tolerated
    if (block.every((b) => b === 0)) return; // end-of-archive marker
    if (headerOffset < 0) headerOffset = start;
    const h = parseHeader(block);
    const t = h.typeflag;
    if (t === 'x' || t === 'g' || t === 'L' || t === 'K') {
      if (h.size > META_MAX) throw new TarFormatError(`extension header too large (${h.size})`);
      const data = h.size ? await src.read(h.size) : Buffer.alloc(0);
      if (!data) throw new TarFormatError('truncated tar');
      await src.skip(padded(h.size) - h.size);
      if (t === 'x') parsePax(data, (local ??= new Map()));
      else if (t === 'g') parsePax(data, globals);
      else if (t === 'L') longName = cstring(data, 0, data.length);
      else longLink = cstring(data, 0, data.length);
      continue;
    }
    if (longName !== null) h.name = longName;
    if (longLink !== null) h.linkname = longLink;
    const merged: Pax = new Map(globals);
    if (local) for (const [k, v] of local) merged.set(k, v);
    const xattrs = merged.size ? applyPax(h, merged) : undefined;
    // Old (pre-POSIX) tars mark directories only by the trailing slash.
    if (t === '0' && h.name.endsWith('/')) h.typeflag = '5';
    // Only regular files (and the rare hardlink with data) carry content blocks.
    const hasData = !'25346'.includes(h.typeflag);
    const size = hasData ? h.size : 0;
    const dataOffset = src.offset;
    yield { ...h, size, xattrs, headerOffset, dataOffset };
    const consumed = src.offset - dataOffset;
    await src.skip(padded(size) - consumed);
    local = null;
    longName = null;
    longLink = null;
    headerOffset = -1;
  }
}

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
    while (n > 0) {
      const avail = this.buf.length - this.pos;
      if (avail === 0) {
        if (!(await this.fill())) throw new TarFormatError('truncated tar');
        continue;
      }
      const take = Math.min(avail, n);
      this.pos += take;
      this.offset += take;
      n -= take;
    }
  }

  /** Hands the next n bytes to `sink` chunk by chunk (used to write members to files). */
  async copy(n: number, sink: (chunk: Buffer) => Promise<void> | void): Promise<void> {
    while (n > 0) {
      const avail = this.buf.length - this.pos;
      if (avail === 0) {
        if (!(await this.fill())) throw new TarFormatError('truncated tar');
        continue;
      }
      const take = Math.min(avail, n);
      await sink(this.buf.subarray(this.pos, this.pos + take));
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
    this.offset += n;
    if (this.offset > this.end) throw new TarFormatError('truncated tar');
  }
}
