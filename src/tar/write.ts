// Encodes tar headers (ustar, plus a PAX extended header when a field does not fit).
// Not tar-stream's encoder: tar-stream 3.2 writes PAX values as UTF-8 strings (binary xattrs
// such as security.capability get mangled), clamps big uid/gid to 7777777 and drops
// fractional/negative mtimes. Here every PAX record value is raw bytes.

import type { TarEntry } from './entry.js';
import { BLOCK, TYPEFLAG, ZEROS, padding } from './format.js';

export { ZEROS, padding };

/** A header to encode: a TarEntry's metadata under its in-tar name. */
export interface TarHeader extends Omit<TarEntry, 'path' | 'dataOffset'> {
  /** Name inside the tar: relative, no leading "/", dirs end with "/". */
  name: string;
}

const MAX_OCT7 = 0o7777777; // 8-byte numeric fields (7 digits + NUL)
const MAX_OCT11 = 0o77777777777; // 12-byte numeric fields (11 digits + NUL)

const isAscii = (s: string) => /^[\x01-\x7f]*$/.test(s);
/** Fits a ustar string field of `len` bytes (NUL terminator optional when full). */
const fitsField = (s: string, len: number) => isAscii(s) && s.length <= len;

/** A PAX record "<len> <key>=<value>\n", where len counts the whole record. */
function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let len = body.length + String(body.length).length;
  if (String(len).length > String(body.length).length) len++; // adding the digits added a digit
  return Buffer.concat([Buffer.from(String(len)), body]);
}

function writeOctal(buf: Buffer, off: number, width: number, value: number): void {
  // width includes the terminating NUL.
  buf.write(Math.max(0, Math.floor(value)).toString(8).padStart(width - 1, '0'), off, 'ascii');
  buf[off + width - 1] = 0;
}

function writeString(buf: Buffer, off: number, len: number, s: string): void {
  // Falls back to the ASCII part, truncated, when a PAX record carries the real value.
  const ascii = s.replace(/[^\x01-\x7f]/g, '_');
  buf.write(ascii.slice(0, len), off, 'ascii');
}

function ustarBlock(h: {
  name: string; mode: number; uid: number; gid: number; size: number; mtime: number;
  typeflag: string; linkname?: string; uname?: string; gname?: string; devmajor?: number; devminor?: number;
}): Buffer {
  const b = Buffer.alloc(BLOCK);
  writeString(b, 0, 100, h.name);
  writeOctal(b, 100, 8, h.mode & 0o7777);
  writeOctal(b, 108, 8, Math.min(h.uid, MAX_OCT7));
  writeOctal(b, 116, 8, Math.min(h.gid, MAX_OCT7));
  writeOctal(b, 124, 12, Math.min(h.size, MAX_OCT11));
  writeOctal(b, 136, 12, Math.min(Math.max(h.mtime, 0), MAX_OCT11));
  b.fill(0x20, 148, 156); // checksum computed with this field as spaces
  b.write(h.typeflag, 156, 'ascii');
  if (h.linkname) writeString(b, 157, 100, h.linkname);
  b.write('ustar\x0000', 257, 'binary');
  if (h.uname) writeString(b, 265, 32, h.uname);
  if (h.gname) writeString(b, 297, 32, h.gname);
  writeOctal(b, 329, 8, Math.min(h.devmajor ?? 0, MAX_OCT7));
  writeOctal(b, 337, 8, Math.min(h.devminor ?? 0, MAX_OCT7));
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += b[i]!;
  b.write(sum.toString(8).padStart(6, '0'), 148, 'ascii');
  b[154] = 0;
  b[155] = 0x20;
  return b;
}

/** PAX time: the shortest decimal that reads back as the same double (what readers parsed). */
function paxTime(t: number): string {
  const s = String(t);
  return /e/i.test(s) ? t.toFixed(9).replace(/\.?0+$/, '') : s;
}

/** The header blocks of one entry: [PAX header + records + padding] + ustar block. */
export function encodeHeader(h: TarHeader): Buffer {
  const recs: Buffer[] = [];
  const add = (k: string, v: string | Buffer) => recs.push(paxRecord(k, typeof v === 'string' ? Buffer.from(v, 'utf8') : v));
  if (!fitsField(h.name, 100)) add('path', h.name);
  if (h.linkname && !fitsField(h.linkname, 100)) add('linkpath', h.linkname);
  if (h.uid > MAX_OCT7 || h.uid < 0) add('uid', String(h.uid));
  if (h.gid > MAX_OCT7 || h.gid < 0) add('gid', String(h.gid));
  if (h.size > MAX_OCT11) add('size', String(h.size));
  if (!Number.isInteger(h.mtime) || h.mtime < 0 || h.mtime > MAX_OCT11) add('mtime', paxTime(h.mtime));
  if (h.uname && !fitsField(h.uname, 32)) add('uname', h.uname);
  if (h.gname && !fitsField(h.gname, 32)) add('gname', h.gname);
  if (h.xattrs) {
    for (const k of Object.keys(h.xattrs).sort()) add(`SCHILY.xattr.${k}`, h.xattrs[k]!);
  }
  if ((h.devmajor ?? 0) > MAX_OCT7 || (h.devminor ?? 0) > MAX_OCT7) {
    throw new Error(`tar: device numbers of ${h.name} too large`);
  }
  const main = ustarBlock({ ...h, typeflag: TYPEFLAG[h.type] });
  if (recs.length === 0) return main;
  const body = Buffer.concat(recs);
  const base = h.name.replace(/\/$/, '').split('/').pop() ?? '';
  const pax = ustarBlock({
    name: `PaxHeaders/${base}`.slice(0, 100), mode: 0o644, uid: 0, gid: 0,
    size: body.length, mtime: 0, typeflag: 'x',
  });
  return Buffer.concat([pax, body, ZEROS.subarray(0, padding(body.length)), main]);
}

/** A whole tar of a few members held in memory (a directory and a program to put into a container). */
export function tarOf(members: ReadonlyArray<{ header: Omit<TarHeader, 'size'>; body?: Buffer }>): Buffer {
  const parts: Buffer[] = [];
  for (const { header, body } of members) {
    parts.push(encodeHeader({ ...header, size: body?.length ?? 0 }));
    if (body?.length) parts.push(body, ZEROS.subarray(0, padding(body.length)));
  }
  parts.push(ZEROS);
  return Buffer.concat(parts);
}
