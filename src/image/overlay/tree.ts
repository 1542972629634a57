// The merged filesystem of a stack of layers: per path the entry that shows (its metadata,
// the layer it came from and where its bytes are, never the bytes), and each directory's
// children. The one model behind the build's index (from the layers or from the engine's
// walk) and xray's analysis; the rules that change it layer by layer are in layer.ts.
import { resolvePath } from '../resolve-path.js';
import { statOf, type FileView } from '../view.js';
import { normalizePath } from '../../tar/index.js';
import type { FsEntry, FsIndex } from '../types.js';
import { baseName, childPath, comparePaths, parentPath } from '../../util/paths.js';

/** What is worked out from the tree on demand, dropped by any change. */
interface Derived {
  sorted?: FsEntry[];
  children?: Map<string, FsEntry[]>;
  groups?: Map<string, string[]>;
}

const contentKey = (c: NonNullable<FsEntry['content']>) => `${c.layer}:${c.offset}`;

export class MergedTree implements FsIndex {
  private readonly map = new Map<string, FsEntry>();
  private readonly kids = new Map<string, Set<string>>();
  /** Directories no entry described, made for what a layer put below them. */
  private readonly implied = new WeakSet<FsEntry>();
  private derived: Derived = {};
  /** Bumped whenever a symlink appears or goes (only they change where a path leads). */
  private gen = 0;
  private lastDir = { dir: '', gen: -1, real: '' };
  /** For symlink resolution (whose paths come normalised); the tree holds no contents. */
  private readonly view: FileView = {
    lstat: (p) => {
      const e = this.map.get(p);
      return e && statOf(e);
    },
    read: (p) => {
      throw new Error(`the merged tree holds no contents (${p})`);
    },
  };

  constructor() {
    this.put(this.impliedDir('/', 0));
  }

  // --- lookups (FsIndex) ---

  get size(): number {
    return this.map.size;
  }

  get(path: string): FsEntry | undefined {
    const p = normalizePath(path);
    return p === null ? undefined : this.map.get(p);
  }

  /** The entry at `path`, already normalised (the rules' own lookups: no parsing). */
  at(path: string): FsEntry | undefined {
    return this.map.get(path);
  }

  children(dir: string): FsEntry[] {
    const p = normalizePath(dir);
    const set = p === null ? undefined : this.kids.get(p);
    if (!set) return [];
    const memo = (this.derived.children ??= new Map());
    let list = memo.get(p!);
    if (!list) memo.set(p!, (list = [...set].sort(comparePaths).map((c) => this.map.get(c)!)));
    return list;
  }

  entries(): Iterable<FsEntry> {
    return (this.derived.sorted ??= [...this.map.values()].sort((a, b) => comparePaths(a.path, b.path)));
  }

  hardlinkGroup(path: string): string[] {
    const e = this.get(path);
    if (!e?.content) return [e?.path ?? path];
    if (!this.derived.groups) {
      const groups = new Map<string, string[]>();
      for (const x of this.entries()) {
        if (!x.content) continue;
        const k = contentKey(x.content);
        const list = groups.get(k);
        if (list) list.push(x.path);
        else groups.set(k, [x.path]);
      }
      this.derived.groups = groups;
    }
    return [...this.derived.groups.get(contentKey(e.content))!];
  }

  /** Whether `e` is a directory no entry described (made for what was put below it). */
  isImplied(e: FsEntry): boolean {
    return this.implied.has(e);
  }

  /** Everything below `path` (not itself), parents before children. */
  *below(path: string): Generator<FsEntry> {
    for (const c of this.kids.get(path) ?? []) {
      yield this.map.get(c)!;
      yield* this.below(c);
    }
  }

  /** The entry `path` leads to, every symlink on the way followed as the kernel does. */
  resolve(path: string): FsEntry | undefined {
    const r = resolvePath(this.view, path);
    return r.stat ? this.map.get(r.path) : undefined;
  }

  /**
   * Where an entry a layer names `path` lands: the symlinks in its directory followed, as the
   * engine does when it unpacks a layer (lib/x over a /lib -> usr/lib is /usr/lib/x).
   */
  locate(path: string): string {
    if (path === '/') return path;
    const dir = parentPath(path);
    const real = this.realDir(dir);
    return real === dir ? path : childPath(real, baseName(path));
  }

  /** `dir` with its symlinks followed (entries of a layer come grouped by directory: cached). */
  realDir(dir: string): string {
    if (dir === '/') return dir;
    const last = this.lastDir;
    if (last.dir === dir && last.gen === this.gen) return last.real;
    const real = resolvePath(this.view, dir).path;
    this.lastDir = { dir, gen: this.gen, real };
    return real;
  }

  // --- changes (the rules that make them are in layer.ts) ---

  /** A directory for `path` that no entry describes. */
  impliedDir(path: string, layer: number): FsEntry {
    const e: FsEntry = { path, type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 0, size: 0, dataOffset: 0, layer };
    this.implied.add(e);
    return e;
  }

  /**
   * Sets the entry at `e.path`; missing parents become implied directories. A directory keeps
   * its children; a directory is replaced by something else only after remove().
   */
  put(e: FsEntry): void {
    const old = this.map.get(e.path);
    if (old?.type === 'dir' && e.type !== 'dir') throw new Error(`${e.path}: remove the directory before replacing it`);
    if (e.path !== '/') {
      const parent = parentPath(e.path);
      const p = this.map.get(parent);
      if (!p) this.put(this.impliedDir(parent, e.layer));
      else if (p.type !== 'dir') throw new Error(`${e.path}: its parent is a ${p.type}`);
      this.kids.get(parent)!.add(e.path);
    }
    if (e.type === 'symlink' || old?.type === 'symlink') this.gen++;
    this.map.set(e.path, e);
    if (e.type === 'dir' && !this.kids.has(e.path)) this.kids.set(e.path, new Set());
    this.derived = {};
  }

  /** Removes `path` and everything below it; returns what was removed, `path`'s entry first. */
  remove(path: string): FsEntry[] {
    const gone: FsEntry[] = [];
    const e = this.map.get(path);
    if (!e || path === '/') return gone;
    gone.push(e);
    for (const x of this.below(path)) gone.push(x);
    for (const x of gone) {
      this.map.delete(x.path);
      this.kids.delete(x.path);
    }
    this.kids.get(parentPath(path))?.delete(path);
    if (gone.some((x) => x.type === 'symlink')) this.gen++;
    this.derived = {};
    return gone;
  }
}
