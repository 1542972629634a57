// Streams the entries of one layer tar with their content offsets, without copying content.
import { UserError } from '../util/errors.js';
import { ChunkSource, TarFormatError, iterateTar, type RawEntry } from './tarheader.js';
import type { EntryType, Layer, TarEntry } from './types.js';

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

/**
 * Normalises a tar member name to an absolute path ("/", "/usr/bin/env"). Returns null when
 * the name contains a NUL byte or a ".." that climbs above the root.
 */
export function normalizePath(name: string): string | null {
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

function layerLabel(layer: Layer): string {
  return `layer ${layer.digest.slice(0, 19)}`;
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

/**
 * The raw entries of one layer in tar order. Whiteouts (".wh.NAME", ".wh..wh..opq") are
 * reported as-is; `dataOffset` is the content offset inside the uncompressed tar. The layer
 * is read to its end so its digests get verified.
 */
export async function* readLayerEntries(layer: Layer): AsyncGenerator<TarEntry> {
  const label = layerLabel(layer);
  const stream = await layer.open();
  const src = new ChunkSource(stream as AsyncIterable<Buffer>);
  let finished = false;
  try {
    try {
      for await (const raw of iterateTar(src)) {
        const e = toTarEntry(raw, label);
        if (e) yield e;
      }
      await src.drain();
      finished = true;
    } catch (err) {
      if (err instanceof TarFormatError) throw new UserError(`${label}: ${err.message} at offset ${src.offset}`);
      throw err;
    }
  } finally {
    if (!finished) stream.destroy();
  }
}
