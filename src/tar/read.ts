// The tar reader shared by every archive and layer reader. We parse headers ourselves
// (rather than through tar-stream) because callers need the byte offset of every entry's
// content: layers are read in place, never extracted. Handles ustar, old v7, GNU long names
// ('L'/'K') and PAX records ('x'/'g'). Every number is checked (no negative, non-numeric or
// absurd size), so a forged header fails with a TarFormatError instead of looping.
import type { RawEntry } from './entry.js';
import { BLOCK, LIMITS, TarFormatError, padded } from './format.js';

/** A byte source positioned at `offset`; `read` returns exactly n bytes or null at EOF. */
export interface TarSource {
  readonly offset: number;
  read(n: number): Promise<Buffer | null>;
  skip(n: number): Promise<void>;
}

function cstring(buf: Buffer, start: number, len: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end < 0 || end > start + len ? start + len : end);
}

/**
 * Octal (NUL/space padded) or GNU base-256 numbers. Anything else ("12x", "-1", a negative
 * or unsafe base-256 value) is refused: parseInt would read a prefix and carry on.
 */
function num(buf: Buffer, start: number, len: number, what: string): number {
  if (buf[start]! & 0x80) {
    // base-256: big-endian two's complement; the top bit of the first byte is the flag.
    // Only a time may be negative (before 1970); a negative size would make readers step back.
    const neg = (buf[start]! & 0x40) !== 0;
    if (neg && what !== 'mtime') throw new TarFormatError(`negative ${what} field`);
    let v = buf[start]! & 0x3f;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + buf[i]!;
    if (neg) v -= 2 ** ((len - 1) * 8 + 6);
    if (!Number.isSafeInteger(v)) throw new TarFormatError(`${what} field out of range`);
    return v;
  }
  let s = buf.toString('latin1', start, start + len);
  const nul = s.indexOf('\0');
  s = (nul < 0 ? s : s.slice(0, nul)).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new TarFormatError(`invalid ${what} field ${JSON.stringify(s)}`);
  return parseInt(s, 8);
}

function checksumOk(buf: Buffer): boolean {
  const stored = num(buf, 148, 8, 'checksum');
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
    mode: num(buf, 100, 8, 'mode'),
    uid: num(buf, 108, 8, 'uid'),
    gid: num(buf, 116, 8, 'gid'),
    size: num(buf, 124, 12, 'size'),
    mtime: num(buf, 136, 12, 'mtime'),
    typeflag,
    linkname: cstring(buf, 157, 100),
    uname: ustar ? cstring(buf, 265, 32) : '',
    gname: ustar ? cstring(buf, 297, 32) : '',
    devmajor: ustar ? num(buf, 329, 8, 'devmajor') : 0,
    devminor: ustar ? num(buf, 337, 8, 'devminor') : 0,
  };
}

type Pax = Map<string, Buffer>;

/** PAX records are "LEN key=value\n"; values stay bytes (xattrs are binary). */
function parsePax(data: Buffer, into: Pax): void {
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break; // trailing NUL padding written by some tools
    const sp = data.indexOf(0x20, pos);
    const digits = sp < 0 ? '' : data.toString('latin1', pos, sp);
    if (!/^[1-9][0-9]{0,7}$/.test(digits)) throw new TarFormatError('malformed PAX record length');
    const len = Number(digits);
    if (pos + len > data.length || sp >= pos + len || data[pos + len - 1] !== 0x0a) {
      throw new TarFormatError('malformed PAX record');
    }
    const rec = data.subarray(sp + 1, pos + len - 1); // drop the trailing newline
    const eq = rec.indexOf(0x3d);
    if (eq <= 0) throw new TarFormatError('malformed PAX record');
    const key = rec.toString('utf8', 0, eq);
    const value = Buffer.from(rec.subarray(eq + 1)); // copy: the record buffer may be reused
    if (value.length === 0) into.delete(key); // an empty value unsets a global
    else into.set(key, value);
    pos += len;
  }
}

/** A PAX decimal: whole (sizes, ids) or, for times, signed with a fraction. */
function paxNumber(key: string, s: string): number {
  const ok = key === 'mtime' ? /^-?[0-9]{1,20}(\.[0-9]{0,20})?$/.test(s) : /^[0-9]{1,20}$/.test(s);
  const v = Number(s);
  if (!ok || !Number.isFinite(v) || (key !== 'mtime' && !Number.isSafeInteger(v))) {
    throw new TarFormatError(`invalid PAX ${key} ${JSON.stringify(s.slice(0, 40))}`);
  }
  return v;
}

function applyPax(h: Header, pax: Pax): Record<string, Buffer> | undefined {
  let xattrs: Record<string, Buffer> | undefined;
  for (const [key, value] of pax) {
    const str = () => value.toString('utf8');
    switch (key) {
      case 'path': h.name = str(); break;
      case 'linkpath': h.linkname = str(); break;
      case 'size': h.size = paxNumber(key, str()); break;
      case 'uid': h.uid = paxNumber(key, str()); break;
      case 'gid': h.gid = paxNumber(key, str()); break;
      case 'mtime': h.mtime = paxNumber(key, str()); break;
      case 'uname': h.uname = str(); break;
      case 'gname': h.gname = str(); break;
      default:
        if (key.startsWith('SCHILY.xattr.')) {
          (xattrs ??= {})[key.slice('SCHILY.xattr.'.length)] = value;
        } else if (key.startsWith('LIBARCHIVE.xattr.')) {
          // libarchive: URL-encoded name, base64 value.
          let name: string;
          try {
            name = decodeURIComponent(key.slice('LIBARCHIVE.xattr.'.length));
          } catch {
            throw new TarFormatError('malformed LIBARCHIVE.xattr PAX key');
          }
          (xattrs ??= {})[name] = Buffer.from(str(), 'base64');
        }
    }
  }
  return xattrs;
}

/** Sizes and names past any real file's: a forged header, refused before anything trusts it. */
function checkLimits(h: Header): void {
  if (h.size > LIMITS.memberSize) throw new TarFormatError(`absurd member size ${h.size}`);
  if (h.name.length > LIMITS.nameLength || h.linkname.length > LIMITS.nameLength) {
    throw new TarFormatError('member name too long');
  }
}

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
      if (h.size > LIMITS.extensionSize) throw new TarFormatError(`extension header too large (${h.size})`);
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
    checkLimits(h);
    // Old (pre-POSIX) tars mark directories only by the trailing slash.
    if (t === '0' && h.name.endsWith('/')) h.typeflag = '5';
    // Only regular files (and the rare hardlink with data) carry content blocks.
    const hasData = !'25346'.includes(h.typeflag);
    const size = hasData ? h.size : 0;
    const dataOffset = src.offset;
    yield { ...h, size, xattrs, headerOffset, dataOffset };
    const consumed = src.offset - dataOffset;
    if (consumed < 0 || consumed > padded(size)) throw new Error(`tar consumer read ${consumed} bytes of a ${size}-byte member`);
    await src.skip(padded(size) - consumed);
    local = null;
    longName = null;
    longLink = null;
    headerOffset = -1;
  }
}

