// A tiny in-memory FsIndex for selector tests: entries from a compact list, parents implied.
import type { EntryType, FsEntry, FsIndex } from '../../src/image/types.js';

export type Spec =
  | string // "/path" file, "/path/" dir
  | { path: string; type?: EntryType; link?: string; mode?: number; uid?: number; gid?: number; content?: string };

/** File contents of the indexes memIndex made, by entry (specs with `content`; others read as empty). */
const contentsOf = new WeakMap<FsIndex, Map<string, Buffer>>();

/** Reads a memIndex entry's bytes, as the pipeline reads an image's. */
export function memRead(index: FsIndex): (entry: FsEntry, offset: number, length: number) => Buffer {
  const c = contentsOf.get(index) ?? new Map<string, Buffer>();
  return (e, off, len) => (c.get(e.type === 'hardlink' ? e.linkname! : e.path) ?? Buffer.alloc(0)).subarray(off, off + len);
}

export function memIndex(specs: Spec[]): FsIndex {
  const map = new Map<string, FsEntry>();
  const contents = new Map<string, Buffer>();
  const mk = (path: string, type: EntryType, extra: Partial<FsEntry> = {}): FsEntry => ({
    path, type, mode: type === 'dir' ? 0o755 : 0o644, uid: 0, gid: 0, mtime: 1_700_000_000,
    size: type === 'file' ? 10 : 0, dataOffset: 0, layer: 0, ...extra,
  });
  const ensureDirs = (p: string) => {
    const parts = p.split('/').filter(Boolean);
    if (!map.has('/')) map.set('/', mk('/', 'dir'));
    for (let i = 1; i < parts.length; i++) {
      const d = '/' + parts.slice(0, i).join('/');
      if (!map.has(d)) map.set(d, mk(d, 'dir'));
    }
  };
  for (const s of specs) {
    const o = typeof s === 'string'
      ? { path: s.endsWith('/') && s !== '/' ? s.slice(0, -1) : s, type: (s.endsWith('/') ? 'dir' : 'file') as EntryType }
      : s;
    const type = o.type ?? (o.link ? 'symlink' : 'file');
    ensureDirs(o.path);
    const extra: Partial<FsEntry> = {};
    if (typeof s !== 'string') {
      if (s.mode !== undefined) extra.mode = s.mode;
      if (s.uid !== undefined) extra.uid = s.uid;
      if (s.gid !== undefined) extra.gid = s.gid;
      if (s.link !== undefined) extra.linkname = s.link;
      if (s.content !== undefined) {
        extra.size = Buffer.byteLength(s.content);
        contents.set(o.path, Buffer.from(s.content));
      }
    }
    map.set(o.path, mk(o.path, type, extra));
  }
  const sorted = () => [...map.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const index: FsIndex = {
    get size() { return map.size; },
    get: (p) => map.get(p),
    children: (dir) => sorted().filter((e) => e.path !== '/' && e.path.slice(0, e.path.lastIndexOf('/') || 1) === dir),
    entries: () => sorted(),
    hardlinkGroup: (p) => {
      const e = map.get(p);
      if (!e) return [p];
      const root = e.type === 'hardlink' ? e.linkname! : p;
      const group = [root, ...[...map.values()].filter((x) => x.type === 'hardlink' && x.linkname === root).map((x) => x.path)];
      return group.length > 1 ? group : [p];
    },
  };
  contentsOf.set(index, contents);
  return index;
}
