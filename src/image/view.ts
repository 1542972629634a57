// A read-only view of a filesystem (the host, or an image's merged layers) with just what
// ELF and symlink resolution need.
import { closeSync, lstatSync, openSync, readdirSync, readlinkSync, readSync } from 'node:fs';
import type { FsEntry, FsIndex } from './types.js';

export interface FileStat {
  type: 'file' | 'dir' | 'symlink' | 'other';
  size: number;
  /** Symlink target as stored. */
  linkname?: string;
  /** Permission bits (& 0o7777). */
  mode?: number;
  /** Seconds since the epoch. */
  mtime?: number;
}

export interface FileView {
  /** Stat of the path itself (not following a final symlink); undefined when absent. */
  lstat(path: string): FileStat | undefined;
  /** Up to `length` bytes at `offset` (fewer at end of file). */
  read(path: string, offset: number, length: number): Buffer;
  /** Names in a directory (for ld.so.conf include globs). */
  listDir?(path: string): string[];
}

/** The host filesystem through node:fs, synchronously. */
export function hostView(): FileView {
  return {
    lstat(path) {
      let st;
      try {
        st = lstatSync(path, { throwIfNoEntry: false });
      } catch {
        return undefined; // EACCES, ENOTDIR...
      }
      if (!st) return undefined;
      const type = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other';
      const out: FileStat = { type, size: st.isFile() ? st.size : 0, mode: st.mode & 0o7777, mtime: Math.floor(st.mtimeMs / 1000) };
      if (type === 'symlink') {
        try {
          out.linkname = readlinkSync(path, 'utf8');
        } catch {
          return undefined;
        }
      }
      return out;
    },
    read(path, offset, length) {
      const fd = openSync(path, 'r');
      try {
        const buf = Buffer.allocUnsafe(length);
        let got = 0;
        while (got < length) {
          const n = readSync(fd, buf, got, length - got, offset + got);
          if (n === 0) break;
          got += n;
        }
        return got === length ? buf : buf.subarray(0, got);
      } finally {
        closeSync(fd);
      }
    },
    listDir(path) {
      try {
        return readdirSync(path);
      } catch {
        return [];
      }
    },
  };
}

/**
 * A view over an image's merged filesystem. `readContent` returns bytes of a file entry
 * (hardlinks included: their content lives at entry.content).
 */
export function indexView(index: FsIndex, readContent: (entry: FsEntry, offset: number, length: number) => Buffer): FileView {
  return {
    lstat(path) {
      const e = index.get(path);
      return e && statOf(e);
    },
    read(path, offset, length) {
      const e = index.get(path);
      if (!e || (e.type !== 'file' && e.type !== 'hardlink')) throw new Error(`not a file in the image: ${path}`);
      const size = e.content?.size ?? e.size;
      if (offset >= size) return Buffer.alloc(0);
      return readContent(e, offset, Math.min(length, size - offset));
    },
    listDir(path) {
      return index.children(path).map((c) => c.path.slice(c.path.lastIndexOf('/') + 1));
    },
  };
}

/** What an image's entry looks like to a FileView. */
export function statOf(e: FsEntry): FileStat {
  switch (e.type) {
    case 'file':
    case 'hardlink':
      return { type: 'file', size: e.content?.size ?? e.size, mode: e.mode, mtime: e.mtime };
    case 'dir':
      return { type: 'dir', size: 0, mode: e.mode, mtime: e.mtime };
    case 'symlink':
      return { type: 'symlink', size: 0, linkname: e.linkname ?? '', mode: e.mode, mtime: e.mtime };
    default:
      return { type: 'other', size: 0, mode: e.mode, mtime: e.mtime };
  }
}
