// A tar member as the rest of slimts sees it: an absolute, normalised path and typed
// metadata. toTarEntry is the one place raw names are judged safe.
import { UserError } from '../util/errors.js';

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

export type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

/** One entry of a layer tar, as read. Paths are absolute and normalised ("/", "/usr/bin/env"). */
export interface TarEntry {
  path: string;
  type: EntryType;
  /** Permission bits including setuid/setgid/sticky (& 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  uname?: string;
  gname?: string;
  /** Seconds since the epoch (may be fractional, from PAX mtime). */
  mtime: number;
  /** Content size for regular files, 0 otherwise. */
  size: number;
  /** Symlink: target as stored. Hardlink: absolute normalised path of the target. */
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** Extended attributes from SCHILY.xattr.* (e.g. security.capability). */
  xattrs?: Record<string, Buffer>;
  /** Byte offset of the content inside the uncompressed layer tar. */
  dataOffset: number;
}

const TYPES: Record<string, EntryType> = {
  '0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'dir',
  '6': 'fifo',
};

/** Absolute, each part neither empty, "." nor "..", no NUL: what normalizePath returns unchanged. */
const NORMAL = /^(?:\/(?!\.\.?(?:\/|$))[^/\0]+)+$/;

/**
 * Normalises a tar member name to an absolute path ("/", "/usr/bin/env"). Returns null when
 * the name contains a NUL byte or a ".." that climbs above the root.
 */
export function normalizePath(name: string): string | null {
  // the common case of lookups, a path already normal, is answered without splitting it
  if (name === '/' || NORMAL.test(name)) return name;
  if (name.includes('\0')) return null;
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) return null;
      out.pop();
    } else out.push(part);
  }
  return '/' + out.join('/');
}

/** Converts a raw header to a TarEntry, rejecting unsafe names. Null for entries we skip. */
export function toTarEntry(raw: RawEntry, label: string): TarEntry | null {
  const type = TYPES[raw.typeflag];
  if (!type) return null; // volume labels, GNU dumpdirs, sparse maps...: nothing to index
  const path = normalizePath(raw.name);
  if (path === null) throw new UserError(`unsafe path ${JSON.stringify(raw.name)} in ${label}`);
  const e: TarEntry = {
    path,
    type,
    mode: raw.mode & 0o7777,
    uid: raw.uid,
    gid: raw.gid,
    mtime: raw.mtime,
    size: type === 'file' ? raw.size : 0,
    dataOffset: raw.dataOffset,
  };
  if (raw.uname) e.uname = raw.uname;
  if (raw.gname) e.gname = raw.gname;
  if (type === 'symlink') {
    if (raw.linkname.includes('\0')) throw new UserError(`unsafe symlink target for ${path} in ${label}`);
    e.linkname = raw.linkname;
  } else if (type === 'hardlink') {
    const target = normalizePath(raw.linkname);
    if (target === null || target === '/') {
      throw new UserError(`unsafe hardlink target ${JSON.stringify(raw.linkname)} for ${path} in ${label}`);
    }
    e.linkname = target;
  }
  if (type === 'char' || type === 'block') {
    e.devmajor = raw.devmajor;
    e.devminor = raw.devminor;
  }
  if (raw.xattrs) e.xattrs = raw.xattrs;
  return e;
}
