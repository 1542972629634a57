// The merged filesystem of an image: layers applied in order with overlay whiteout rules,
// holding metadata and content locations only (never content).
import { createReadStream, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fdFor, releaseContent, seekableOf, seekableOfSync } from './fdcache.js';
import { normalizePath } from '../tar/index.js';
import { readLayerEntries } from './layer-entries.js';
import type { FsEntry, FsIndex, Image, TarEntry } from './types.js';
import { overlayName } from './overlay.js';
import { baseName, childPath, comparePaths, parentPath } from '../util/paths.js';

export { releaseContent, comparePaths };

/** How many layers are read (hashed, decompressed, parsed) at once; applying stays in order. */
const READ_CONCURRENCY = 3;

function syntheticDir(path: string, layer: number): FsEntry {
  return { path, type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 0, size: 0, dataOffset: 0, layer };
}

class MergedIndex implements FsIndex {
  private readonly map = new Map<string, FsEntry>();
  private readonly kids = new Map<string, Set<string>>();
  private sorted?: FsEntry[];
  private groups?: Map<string, string[]>;
  /** Bumped whenever a symlink may have appeared or gone: invalidates the resolve cache. */
  private gen = 0;
  private cache = { dir: '', gen: -1, resolved: '' };

  constructor() {
    this.map.set('/', syntheticDir('/', 0));
    this.kids.set('/', new Set());
  }

  get size(): number {
    return this.map.size;
  }

  get(path: string): FsEntry | undefined {
    const p = normalizePath(path);
    return p === null ? undefined : this.map.get(p);
  }

  children(dir: string): FsEntry[] {
    const p = normalizePath(dir);
    const set = p === null ? undefined : this.kids.get(p);
    if (!set) return [];
    return [...set].sort(comparePaths).map((c) => this.map.get(c)!);
  }

  entries(): Iterable<FsEntry> {
    this.sorted ??= [...this.map.values()].sort((a, b) => comparePaths(a.path, b.path));
    return this.sorted;
  }

  hardlinkGroup(path: string): string[] {
    const e = this.get(path);
    if (!e?.content) return [e?.path ?? path];
    if (!this.groups) {
      const byContent = new Map<string, string[]>();
      for (const x of this.map.values()) {
        if (!x.content) continue;
        const k = `${x.content.layer}:${x.content.offset}`;
        const list = byContent.get(k);
        if (list) list.push(x.path);
        else byContent.set(k, [x.path]);
      }
      this.groups = byContent;
    }
    const list = this.groups.get(`${e.content.layer}:${e.content.offset}`)!;
    return [...list].sort(comparePaths);
  }

  // --- building ---

  private remove(p: string): void {
    this.gen++;
    const kids = this.kids.get(p);
    if (kids) {
      for (const c of kids) this.remove(c);
      this.kids.delete(p);
    }
    this.map.delete(p);
    this.kids.get(parentPath(p))?.delete(p);
  }

  private put(e: FsEntry): void {
    if (e.type === 'symlink' || this.map.get(e.path)?.type === 'symlink') this.gen++;
    this.map.set(e.path, e);
    if (e.path === '/') return;
    this.kids.get(parentPath(e.path))!.add(e.path);
    if (e.type === 'dir' && !this.kids.has(e.path)) this.kids.set(e.path, new Set());
  }

  /** Makes sure directory `p` exists; a lower layer's dir entry is kept as is. */
  private ensureDir(p: string, layer: number): void {
    const e = this.map.get(p);
    if (e?.type === 'dir') return;
    if (e) this.remove(p);
    this.ensureDir(parentPath(p), layer);
    this.put(syntheticDir(p, layer));
  }

  /** Opaque dir: drops what lower layers put under `dir`; returns whether anything stayed. */
  private opaque(dir: string, layer: number): boolean {
    let kept = false;
    for (const c of [...(this.kids.get(dir) ?? [])]) {
      const e = this.map.get(c)!;
      const keepSub = e.type === 'dir' ? this.opaque(c, layer) : false;
      if (e.layer !== layer && !keepSub) this.remove(c);
      else kept = true;
    }
    return kept;
  }

  /**
   * Resolves symlinks in a directory path within the root, as the engine does when it unpacks
   * a layer whose entries go through a symlink of a lower layer (lib/x on a /lib -> usr/lib).
   */
  private resolveDir(dir: string): string {
    if (dir === '/') return dir;
    const c = this.cache;
    if (c.dir === dir && c.gen === this.gen) return c.resolved;
    const queue = dir.split('/').filter(Boolean);
    let out = '';
    let hops = 0;
    while (queue.length) {
      const part = queue.shift()!;
      if (part === '.') continue;
      if (part === '..') {
        out = out.slice(0, out.lastIndexOf('/'));
        continue;
      }
      const cand = `${out}/${part}`;
      const e = this.map.get(cand);
      if (e?.type === 'symlink' && e.linkname && hops++ < 40) {
        if (e.linkname.startsWith('/')) out = '';
        queue.unshift(...e.linkname.split('/').filter(Boolean));
      } else out = cand;
    }
    const resolved = out || '/';
    this.cache = { dir, gen: this.gen, resolved };
    return resolved;
  }

  apply(t: TarEntry, layer: number): void {
    if (t.path === '/') {
      if (t.type === 'dir') this.map.set('/', { ...t, layer });
      return;
    }
    const base = baseName(t.path);
    const dir = this.resolveDir(parentPath(t.path));
    const path = childPath(dir, base);
    this.ensureDir(dir, layer);
    const o = overlayName(base);
    if (o.kind === 'opaque') {
      this.opaque(dir, layer);
      return;
    }
    if (o.kind === 'meta') return;
    if (o.kind === 'whiteout') {
      const victim = childPath(dir, o.victim);
      if (this.map.has(victim)) this.remove(victim);
      return;
    }
    const e: FsEntry = { ...t, path, layer };
    if (t.type === 'file') e.content = { layer, offset: t.dataOffset, size: t.size };
    else if (t.type === 'hardlink') {
      // The link shares its target's bytes as they are now, even if a later layer replaces the target.
      const target = this.map.get(t.linkname!) ?? this.map.get(childPath(this.resolveDir(parentPath(t.linkname!)), baseName(t.linkname!)));
      if (target) e.linkname = target.path;
      if (target?.content) e.content = target.content;
    }
    const old = this.map.get(path);
    if (old && old.type === 'dir' && t.type !== 'dir') this.remove(path);
    this.put(e);
  }
}

async function collect(image: Image, i: number): Promise<TarEntry[]> {
  const out: TarEntry[] = [];
  for await (const e of readLayerEntries(image.layers[i])) out.push(e);
  await seekableOf(image, i); // free now: the layer is verified (and decompressed if it had to be)
  return out;
}

/** Applies the image's layers in order. Reads layers concurrently, applies them in order. */
export async function buildIndex(image: Image): Promise<FsIndex> {
  const index = new MergedIndex();
  const n = image.layers.length;
  const pending: Promise<TarEntry[]>[] = [];
  let next = 0;
  const launch = () => {
    while (next < n && next - applied < READ_CONCURRENCY) {
      const p = collect(image, next++);
      p.catch(() => undefined); // awaited below in order; avoid unhandled rejections meanwhile
      pending.push(p);
    }
  };
  let applied = 0;
  launch();
  for (; applied < n; ) {
    const entries = await pending[applied];
    for (const e of entries) index.apply(e, applied);
    pending[applied] = Promise.resolve([]);
    applied++;
    launch();
  }
  return index;
}

/** Streams an entry's content (files and hardlinks) from its layer, `content.size` bytes. */
export async function openContent(image: Image, entry: FsEntry): Promise<Readable> {
  const c = entry.content;
  if (!c) throw new Error(`${entry.path} has no content (${entry.type})`);
  if (c.size === 0) return Readable.from([]);
  const s = await seekableOf(image, c.layer);
  const start = s.offset + c.offset;
  return createReadStream(s.path, { start, end: start + c.size - 1 });
}

/**
 * Reads up to `length` bytes at `offset` within an entry's content, synchronously (for small
 * random reads such as ELF headers). File descriptors are cached per image and released by
 * image.close() (or releaseContent(image)). The layer must have been resolved by buildIndex()
 * or openContent(). Returns fewer bytes at the end of the content.
 */
export function readContentSync(image: Image, entry: FsEntry, offset: number, length: number): Buffer {
  const c = entry.content;
  if (!c) throw new Error(`${entry.path} has no content (${entry.type})`);
  const n = Math.max(0, Math.min(length, c.size - offset));
  const buf = Buffer.alloc(n);
  if (n === 0) return buf;
  const s = seekableOfSync(image, c.layer);
  const fd = fdFor(image, s.path);
  let got = 0;
  while (got < n) {
    const r = readSync(fd, buf, got, n - got, s.offset + c.offset + offset + got);
    if (r === 0) break;
    got += r;
  }
  return got === n ? buf : buf.subarray(0, got);
}
