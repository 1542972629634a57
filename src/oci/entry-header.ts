// The tar header block(s) of one entry to write, shared by the plain layer tar and the
// eStargz writer so both encode an entry the same way.
import { encodeHeader } from '../tar/index.js';
import { tarName } from './order.js';
import type { WriteEntry } from './types.js';

/** Content bytes that follow the header: regular files only. */
export function contentSize(e: WriteEntry): number {
  const size = e.type === 'file' ? e.size : 0;
  if (!Number.isSafeInteger(size) || size < 0) throw new Error(`writer: bad size ${e.size} for ${e.path}`);
  return size;
}

export function entryHeader(e: WriteEntry): Buffer {
  const dev = e.type === 'char' || e.type === 'block';
  return encodeHeader({
    name: tarName(e.path, e.type === 'dir'),
    type: e.type,
    mode: e.mode & 0o7777,
    uid: e.uid,
    gid: e.gid,
    uname: e.uname,
    gname: e.gname,
    mtime: e.mtime,
    size: contentSize(e),
    linkname: e.type === 'hardlink' ? tarName(e.linkname!, false) : e.type === 'symlink' ? e.linkname ?? '' : undefined,
    devmajor: dev ? e.devmajor ?? 0 : undefined,
    devminor: dev ? e.devminor ?? 0 : undefined,
    xattrs: e.xattrs && Object.keys(e.xattrs).length ? e.xattrs : undefined,
  });
}
