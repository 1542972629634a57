// The merged filesystem index from the engine-side walk: the same tree the layer reader
// builds (src/image/overlay), made from what stat saw in a created container's root, as one
// layer with nothing to remove. The engine's init layer (files it creates in every container
// when the image lacks them) is taken out, so the index holds the image's own entries.
import { MergedTree } from './overlay/index.js';
import { normalizePath } from '../tar/index.js';
import type { FsEntry, FsIndex } from './types.js';
import { comparePaths } from '../util/paths.js';
import type { WalkRecord } from './walk-format.js';

/**
 * What dockerd's init layer puts in every container (moby daemon/initlayer), deepest first.
 * The files among them replace the image's own (docker 20.10 creates them whatever the image
 * holds), so no container shows the image's /etc/hosts, /etc/hostname, /etc/resolv.conf,
 * /etc/mtab, /dev/console or /.dockerenv: they are left out of the index. The parents it
 * writes into (/etc, /dev, "/") get a new mtime; their image mtime is not visible either.
 */
const INIT_PATHS = ['/dev/console', '/dev/pts', '/dev/shm', '/etc/hosts', '/etc/hostname', '/etc/resolv.conf', '/etc/mtab', '/.dockerenv', '/proc', '/sys', '/dev', '/etc'];
/** Deepest first: a parent's new mtime comes from its children's. */
export const INIT_PARENTS = ['/etc', '/dev', '/'];
/**
 * What podman adds to every container's root, the same way: its mount points (only where the
 * image lacks them: podman leaves the image's own in place, so they stay in the index) and
 * /run/.containerenv. The root itself is made anew (mode 0555 on podman).
 */
const PODMAN_PATHS = ['/run/.containerenv'];
const PODMAN_PARENTS = ['/run'];

export interface WalkIndexOptions {
  /** When the container was created (ns since the epoch, engine clock): init files are newer. */
  createdNs: bigint;
}

const mtimeNs = (r: WalkRecord) => BigInt(r.mtimeSec) * 1_000_000_000n + BigInt(r.mtimeNsec);

const TYPE_BITS = 0o170000;

function toEntry(r: WalkRecord): FsEntry {
  const e: FsEntry = {
    path: r.path,
    type: r.type,
    mode: r.mode & ~TYPE_BITS & 0o7777,
    uid: r.uid,
    gid: r.gid,
    // what the layer's tar header said: whole seconds (the engine's own tars), or a PAX
    // fraction (imported layers); extraction kept it to the nanosecond either way
    mtime: r.mtimeNsec === 0 ? r.mtimeSec : Number(`${r.mtimeSec}.${String(r.mtimeNsec).padStart(9, '0')}`),
    size: r.type === 'file' ? r.size : 0,
    dataOffset: 0,
    layer: 0,
  };
  if (r.linkname !== undefined) e.linkname = r.linkname;
  if (r.type === 'char' || r.type === 'block') {
    e.devmajor = r.devmajor;
    e.devminor = r.devminor;
  }
  if (r.capability) e.xattrs = { 'security.capability': r.capability };
  return e;
}

/** Builds the index from the walk's records (any order). */
export function walkIndex(records: Iterable<WalkRecord>, opts: WalkIndexOptions): FsIndex {
  const byPath = new Map<string, WalkRecord>();
  for (const r of records) {
    const p = normalizePath(r.path);
    if (p !== null) byPath.set(p, { ...r, path: p });
  }
  dropInitLayer(byPath, opts.createdNs);

  const map = new Map<string, FsEntry>();
  for (const r of byPath.values()) map.set(r.path, toEntry(r));
  linkFiles(byPath, map);
  // parents first: each entry goes into a directory the tree already holds
  const tree = new MergedTree();
  for (const e of [...map.values()].sort((a, b) => comparePaths(a.path, b.path))) tree.put(e);
  return tree;
}

/**
 * Removes what the engine's init layer added and gives the parents it wrote into the mtime of
 * their newest entry from the image (their own is lost to the container's creation).
 */
function dropInitLayer(byPath: Map<string, WalkRecord>, createdNs: bigint): void {
  const hasChildren = (dir: string) => {
    const prefix = dir === '/' ? '/' : `${dir}/`;
    for (const p of byPath.keys()) if (p !== dir && p.startsWith(prefix)) return true;
    return false;
  };
  for (const p of [...INIT_PATHS, ...PODMAN_PATHS]) {
    const r = byPath.get(p);
    if (!r || mtimeNs(r) < createdNs) continue;
    if (r.type === 'dir' && hasChildren(p)) continue;
    byPath.delete(p);
  }
  for (const p of [...PODMAN_PARENTS, ...INIT_PARENTS]) {
    const r = byPath.get(p);
    if (!r || mtimeNs(r) < createdNs) continue;
    // a root the engine made has the engine's mode, not the image's: the default one, as the
    // layer reader gives a root no layer names
    const own = p === '/' ? { mode: (r.mode & TYPE_BITS) | 0o755, uid: 0, gid: 0 } : {};
    // a directory's mtime is when an entry was last added or removed: most often its newest child's
    let newest: WalkRecord | undefined;
    const prefix = p === '/' ? '/' : `${p}/`;
    for (const [q, c] of byPath) {
      if (q !== p && q.startsWith(prefix) && !q.slice(prefix.length).includes('/') && (!newest || mtimeNs(c) > mtimeNs(newest))) newest = c;
    }
    byPath.set(p, { ...r, ...own, mtimeSec: newest?.mtimeSec ?? 0, mtimeNsec: newest?.mtimeNsec ?? 0 });
  }
}

/**
 * Files sharing an inode become one file and hardlinks to it, the first path in tar order
 * holding the bytes (as the engine's layer tars have it). Every file gets a content id.
 */
function linkFiles(byPath: Map<string, WalkRecord>, map: Map<string, FsEntry>): void {
  const byInode = new Map<bigint, string[]>();
  let id = 0;
  for (const r of byPath.values()) {
    if (r.type !== 'file') continue;
    if (r.nlink > 1) {
      const g = byInode.get(r.ino);
      if (g) g.push(r.path);
      else byInode.set(r.ino, [r.path]);
    } else {
      const e = map.get(r.path)!;
      e.content = { layer: 0, offset: id++, size: e.size };
    }
  }
  for (const paths of byInode.values()) {
    paths.sort(comparePaths);
    const first = map.get(paths[0]!)!;
    const content = { layer: 0, offset: id++, size: first.size };
    first.content = content;
    for (const p of paths.slice(1)) {
      const e = map.get(p)!;
      e.type = 'hardlink';
      e.linkname = first.path;
      e.size = 0;
      e.content = content;
    }
  }
}
