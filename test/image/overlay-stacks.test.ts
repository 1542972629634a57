// The overlay model against the filesystems that made the layers: random changes (files,
// dirs, symlinks, hardlinks, removals, a dir replaced by a file and back, a dir re-created),
// each layer written as the engine writes an overlayfs upper dir (changed entries with their
// parents, sorted; ".wh." for removals; an opaque marker on re-created dirs). Merging the
// layers must give back the last filesystem: every path, its type, the layer that wrote it
// and which files share bytes.
import { describe, expect, it } from 'vitest';
import { MergedTree, applyLayer, planLayer } from '../../src/image/overlay/index.js';
import type { TarEntry } from '../../src/image/types.js';
import { parentPath } from '../../src/util/paths.js';

type Node = { type: 'dir' } | { type: 'file'; id: number } | { type: 'symlink'; target: string };
type Fs = Map<string, Node & { layer: number }>;

function rng(seed: number) {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  return { next, pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]! };
}

const NAMES = ['a', 'b', 'lib', 'x'];
const under = (p: string, dir: string) => p.startsWith(dir === '/' ? '/' : dir + '/') && p !== dir;

/** One layer's changes to `fs`; returns the paths re-created as dirs (opaque in the upper dir). */
function change(fs: Fs, layer: number, r: ReturnType<typeof rng>, ids: { next: number }): Set<string> {
  const recreated = new Set<string>();
  const rmTree = (p: string) => {
    for (const q of [...fs.keys()]) if (q === p || under(q, p)) fs.delete(q);
  };
  for (let i = 0, n = 1 + Math.floor(r.next() * 6); i < n; i++) {
    const dirs = [...fs].filter(([, v]) => v.type === 'dir').map(([p]) => p);
    const d = r.pick(dirs);
    const p = (d === '/' ? '' : d) + '/' + r.pick(NAMES);
    const cur = fs.get(p);
    const op = r.pick(['file', 'file', 'mkdir', 'rm', 'dir-to-file', 'recreate', 'symlink', 'hardlink'] as const);
    if (op === 'rm' && cur) rmTree(p);
    else if ((op === 'dir-to-file' && cur?.type === 'dir') || (op === 'file' && cur?.type !== 'dir')) {
      rmTree(p);
      fs.set(p, { type: 'file', id: ids.next++, layer });
    } else if ((op === 'mkdir' && cur?.type !== 'dir') || (op === 'recreate' && cur?.type === 'dir')) {
      if (cur) {
        rmTree(p);
        recreated.add(p);
      }
      fs.set(p, { type: 'dir', layer });
    } else if (op === 'symlink' && cur?.type !== 'dir') fs.set(p, { type: 'symlink', target: r.pick(['x', '../b', '/nowhere']), layer });
    else if (op === 'hardlink' && cur?.type !== 'dir') {
      const files = [...fs.values()].filter((v) => v.type === 'file');
      if (files.length) fs.set(p, { ...r.pick(files), layer });
    }
  }
  return recreated;
}

/** What the engine's layer tar holds for the change from `prev` to `fs`. */
function upperDir(prev: Fs, fs: Fs, recreated: Set<string>, layer: number): TarEntry[] {
  const out = new Map<string, Node | { type: 'wh' }>();
  const opaque = [...recreated].filter((p) => fs.get(p)?.type === 'dir');
  const hidden = (p: string) => opaque.some((o) => under(p, o));
  const withParents = (p: string, v: Node | { type: 'wh' }) => {
    out.set(p, v);
    for (let q = parentPath(p); q !== '/'; q = parentPath(q)) {
      out.set(q, { type: 'dir' });
      fs.get(q)!.layer = layer; // the engine lists a changed entry's parents: they come from this layer
    }
  };
  const writtenIds = new Set([...fs].filter(([, v]) => v.layer === layer && v.type === 'file').map(([, v]) => (v as { id: number }).id));
  for (const [p, v] of fs) {
    if (p === '/') continue;
    const shared = v.type === 'file' && writtenIds.has(v.id);
    if (v.layer === layer || hidden(p) || shared) {
      v.layer = layer;
      withParents(p, v);
    }
  }
  for (const o of opaque) withParents(o + '/.wh..wh..opq', { type: 'wh' });
  for (const p of prev.keys()) {
    const parent = parentPath(p);
    if (p === '/' || fs.has(p) || !fs.has(parent) || fs.get(parent)!.type !== 'dir' || opaque.includes(parent) || hidden(p)) continue;
    if ([...prev.keys()].some((q) => under(p, q) && !fs.has(q))) continue; // a removed dir's whiteout covers it
    withParents(`${parent === '/' ? '' : parent}/.wh.${p.slice(parent.length + (parent === '/' ? 0 : 1))}`, { type: 'wh' });
  }
  const first = new Map<number, string>();
  return [...out].sort(([a], [b]) => (a < b ? -1 : 1)).map(([path, v], i): TarEntry => {
    const e: TarEntry = { path, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, size: 0, dataOffset: i * 512 };
    if (v.type === 'dir') e.type = 'dir';
    else if (v.type === 'symlink') Object.assign(e, { type: 'symlink', linkname: v.target });
    else if (v.type === 'file') {
      const name = first.get(v.id);
      if (name) Object.assign(e, { type: 'hardlink', linkname: name });
      else first.set(v.id, path);
    }
    return e;
  });
}

describe('random engine-like layer stacks', () => {
  it('merge back into the filesystem that made them', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      const fs: Fs = new Map([['/', { type: 'dir', layer: 0 }]]);
      const tree = new MergedTree();
      const ids = { next: 1 };
      const layers: TarEntry[][] = [];
      for (let layer = 0, n = 2 + Math.floor(r.next() * 4); layer < n; layer++) {
        const prev: Fs = new Map([...fs].map(([p, v]) => [p, { ...v }]));
        const recreated = change(fs, layer, r, ids);
        layers.push(upperDir(prev, fs, recreated, layer));
        applyLayer(tree, planLayer(layers[layer]!), layer);
      }
      const want = [...fs].filter(([p]) => p !== '/').map(([p, v]) => `${p} ${v.type} L${v.layer}`).sort();
      const got = [...tree.entries()].filter((e) => e.path !== '/').map((e) => `${e.path} ${e.type === 'hardlink' ? 'file' : e.type} L${e.layer}`).sort();
      expect(got, `seed ${seed}: ${JSON.stringify(layers.map((l) => l.map((e) => e.path)))}`).toEqual(want);
      const sharing = (paths: string[]) => paths.map((p) => [...fs].filter(([, v]) => v.type === 'file' && v.id === (fs.get(p) as { id: number }).id).map(([q]) => q).sort().join(' '));
      const files = [...fs].filter(([, v]) => v.type === 'file').map(([p]) => p);
      expect(files.map((p) => tree.hardlinkGroup(p).join(' ')), `seed ${seed}`).toEqual(sharing(files));
    }
  });
});
