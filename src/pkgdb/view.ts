// How the trim sees an image: the original's index and bytes, and which of its paths the slim
// image keeps. Paths are looked up through the image's own symlinks (usrmerge: a list says
// /bin/ls, the file is /usr/bin/ls), in the original and, with only kept links, in the slim image.
import { resolvePath, type FileView } from '../elf/index.js';
import { statOf } from '../image/view.js';
import type { FsEntry, FsIndex } from '../image/types.js';
import { baseName, childPath, parentPath } from '../util/paths.js';

/** Database files larger than this are not read (a corrupt or hostile image): the database counts as unreadable. */
export const MAX_DB_FILE = 64 << 20;

export interface DbView {
  /** The entry's type in the original image, parents' symlinks followed (a link to a directory is `dir`); undefined when absent. */
  original(path: string): string | undefined;
  /** The same in the slim image (only kept entries exist there). */
  slim(path: string): string | undefined;
  /** Whole bytes of a regular file of the original (symlinks followed), undefined when absent or too big. */
  read(path: string): Buffer | undefined;
  /** Names in a directory of the original. */
  list(dir: string): string[];
  /** The original entries a path goes through: its symlinks and its final entry (to keep them as they are). */
  chain(path: string): string[];
}

export function dbView(index: FsIndex, kept: (path: string) => boolean, readContent: (e: FsEntry, offset: number, length: number) => Buffer): DbView {
  const lstatIn = (only?: (p: string) => boolean): FileView => ({
    lstat: (p) => {
      if (only && p !== '/' && !only(p)) return undefined;
      const e = index.get(p);
      return e && statOf(e);
    },
    read: () => Buffer.alloc(0),
  });
  const full = lstatIn();
  const slimView = lstatIn(kept);
  const typeIn = (view: FileView, cache: Map<string, string>) => {
    // a path is asked about several times (count, list, md5sums): each answered once
    const seen = new Map<string, string | undefined>();
    return (path: string): string | undefined => {
      if (seen.has(path)) return seen.get(path);
      const t = typeOf(view, cache, path);
      seen.set(path, t);
      return t;
    };
  };
  const typeOf = (view: FileView, cache: Map<string, string>, path: string): string | undefined => {
    // the parent made real, then the last component as it is (a listed symlink is a file of its package)
    const dir = parentPath(path);
    let real = cache.get(dir);
    if (real === undefined) {
      const r = resolvePath(view, dir);
      real = r.error || r.stat?.type !== 'dir' ? '' : r.path;
      cache.set(dir, real);
    }
    if (!real) return undefined;
    const st = view.lstat(childPath(real, baseName(path)));
    // a directory a list names may be a link to one now (usrmerge's /lib): still a directory
    if (st?.type === 'symlink' && resolvePath(view, path).stat?.type === 'dir') return 'dir';
    return st?.type;
  };
  return {
    original: typeIn(full, new Map()),
    slim: typeIn(slimView, new Map()),
    read(path) {
      const r = resolvePath(full, path);
      if (r.error || r.stat?.type !== 'file') return undefined;
      const e = index.get(r.path)!;
      const size = e.content?.size ?? e.size;
      if (size > MAX_DB_FILE) return undefined;
      return readContent(e, 0, size);
    },
    list(dir) {
      const r = resolvePath(full, dir);
      if (r.error || r.stat?.type !== 'dir') return [];
      return index.children(r.path).map((c) => baseName(c.path));
    },
    chain(path) {
      const r = resolvePath(full, path);
      return r.error ? [] : [...r.links, r.path];
    },
  };
}

/** Counts a package's non-directory files in the original and, of those, in the slim image. */
export function countFiles(view: DbView, paths: readonly string[]): { before: number; kept: number } {
  let before = 0;
  let kept = 0;
  for (const p of paths) {
    const t = view.original(p);
    if (t === undefined || t === 'dir') continue;
    before++;
    if (view.slim(p) !== undefined) kept++;
  }
  return { before, kept };
}
