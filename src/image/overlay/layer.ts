// A layer applied to the merged tree, in tar order as the engine unpacks it: a whiteout
// removes what stands at its victim, other entries are placed, and an opaque directory drops
// what lower layers left below it. One statement of the rules for the build's index and
// xray's analysis; an observer hears what each layer removes and what each entry shadows
// (xray counts and weighs them from that).
import type { FsEntry, TarEntry } from '../types.js';
import { baseName, parentPath } from '../../util/paths.js';
import { overlayName, victimOf } from './names.js';
import type { MergedTree } from './tree.js';

/** What one entry of a layer does (opaque markers act once the layer is in: see applyLayer). */
export type Step =
  | { kind: 'place'; entry: TarEntry }
  /** `path` is the whiteout's own ("/a/.wh.b"). */
  | { kind: 'whiteout'; path: string };

/** One layer's entries sorted by what they do. */
export interface LayerPlan {
  /** The places and whiteouts in tar order (aufs bookkeeping names left out). */
  steps: Step[];
  /** The entries placed, the root's own ("./") aside, in tar order. */
  entries: TarEntry[];
  /** Whiteout entries' paths ("/a/.wh.b"), in tar order. */
  whiteouts: string[];
  /** Directories marked opaque, in tar order. */
  opaques: string[];
}

export type Removal = 'whiteout' | 'opaque' | 'replaced';

export interface LayerObserver {
  /** `gone` left the tree (its first entry, with everything that was below it). */
  removed?(gone: readonly FsEntry[], why: Removal): void;
  /** `entry` was placed over `shadowed`, what stood at its path (undefined: nothing; the root's own entry is not told). */
  placed?(entry: FsEntry, shadowed: FsEntry | undefined): void;
}

export function planLayer(entries: Iterable<TarEntry>): LayerPlan {
  const plan: LayerPlan = { steps: [], entries: [], whiteouts: [], opaques: [] };
  for (const e of entries) {
    if (e.path === '/') {
      plan.steps.push({ kind: 'place', entry: e });
      continue;
    }
    const o = overlayName(baseName(e.path));
    if (o.kind === 'opaque') plan.opaques.push(parentPath(e.path));
    else if (o.kind === 'whiteout') {
      plan.steps.push({ kind: 'whiteout', path: e.path });
      plan.whiteouts.push(e.path);
    } else if (o.kind === 'plain') {
      plan.steps.push({ kind: 'place', entry: e });
      plan.entries.push(e);
    }
  }
  return plan;
}

const namedOf = new WeakMap<LayerPlan, ReadonlySet<string>>();

/** Every path the layer names (entries, whiteouts, opaque dirs) and their parents, "/" aside. */
export function namedPaths(plan: LayerPlan): ReadonlySet<string> {
  let named = namedOf.get(plan);
  if (!named) namedOf.set(plan, (named = collectNamed(plan)));
  return named;
}

function collectNamed(plan: LayerPlan): Set<string> {
  const named = new Set<string>();
  const add = (p: string) => {
    for (let c = p; c !== '/' && !named.has(c); c = parentPath(c)) named.add(c);
  };
  for (const e of plan.entries) add(e.path);
  for (const p of plan.whiteouts) add(p);
  for (const d of plan.opaques) add(d);
  return named;
}

/**
 * Applies one layer in tar order, as the engine unpacks it: a whiteout removes what stands at
 * its victim, other entries are placed where the engine puts them (through the symlinks of
 * their directory; missing directories implied). Then each opaque directory drops what lower
 * layers left below it, except what this layer names or put there, whatever the tar order.
 */
export function applyLayer(tree: MergedTree, plan: LayerPlan, layer: number, observer: LayerObserver = {}): void {
  for (const s of plan.steps) {
    if (s.kind === 'place') place(tree, s.entry, layer, observer);
    else if (s.kind === 'whiteout') {
      const victim = tree.locate(victimOf(s.path));
      makeRoom(tree, parentPath(victim), layer, observer);
      report(observer, tree.remove(victim), 'whiteout');
    }
  }
  if (plan.opaques.length === 0) return;
  const named = namedPaths(plan);
  const keep = (e: FsEntry) => e.layer === layer || named.has(e.path);
  for (const d of plan.opaques) {
    const dir = tree.realDir(d);
    makeRoom(tree, dir, layer, observer);
    sweep(tree, dir, keep, observer);
  }
}

function report(observer: LayerObserver, gone: FsEntry[], why: Removal): void {
  if (gone.length) observer.removed?.(gone, why);
}

/** Makes sure `dir` can hold entries: a non-directory on the way is removed, missing ones implied. */
function makeRoom(tree: MergedTree, dir: string, layer: number, observer: LayerObserver): void {
  // every entry's parent is a directory: the first entry met going up settles it
  let p = dir;
  while (p !== '/' && !tree.at(p)) p = parentPath(p);
  if (tree.at(p)!.type !== 'dir') report(observer, tree.remove(p), 'replaced');
  if (!tree.at(dir)) tree.put(tree.impliedDir(dir, layer));
}

/** Drops what lies below an opaque `dir` and is not to be kept (a kept dir is swept in turn). */
function sweep(tree: MergedTree, dir: string, keep: (e: FsEntry) => boolean, observer: LayerObserver): void {
  for (const c of tree.children(dir)) {
    if (!keep(c)) report(observer, tree.remove(c.path), 'opaque');
    else if (c.type === 'dir') sweep(tree, c.path, keep, observer);
  }
}

function place(tree: MergedTree, t: TarEntry, layer: number, observer: LayerObserver): void {
  if (t.path === '/') {
    if (t.type === 'dir') tree.put(entryOf(t, '/', layer));
    return;
  }
  const path = tree.locate(t.path);
  makeRoom(tree, parentPath(path), layer, observer);
  const e = entryOf(t, path, layer);
  if (t.type === 'file') e.content = { layer, offset: t.dataOffset, size: t.size };
  else if (t.type === 'hardlink') {
    // The link shares its target's bytes as they are now, even if a later layer replaces the target.
    const target = tree.at(t.linkname!) ?? tree.at(tree.locate(t.linkname!));
    if (target) e.linkname = target.path;
    if (target?.content) e.content = target.content;
  }
  const shadowed = tree.at(path);
  if (shadowed?.type === 'dir' && e.type !== 'dir') report(observer, tree.remove(path), 'replaced');
  tree.put(e);
  observer.placed?.(e, shadowed);
}

// A field added to TarEntry fails to compile here until entryOf copies it.
type Copied = 'path' | 'type' | 'mode' | 'uid' | 'gid' | 'mtime' | 'size' | 'dataOffset' | 'uname' | 'gname' | 'linkname' | 'devmajor' | 'devminor' | 'xattrs';
const everyFieldCopied: Exclude<keyof TarEntry, Copied> extends never ? true : never = true;
void everyFieldCopied;

/** The tree's entry for `t` (built field by field: spreading entries of many shapes is slow). */
function entryOf(t: TarEntry, path: string, layer: number): FsEntry {
  const e: FsEntry = { path, type: t.type, mode: t.mode, uid: t.uid, gid: t.gid, mtime: t.mtime, size: t.size, dataOffset: t.dataOffset, layer };
  if (t.uname !== undefined) e.uname = t.uname;
  if (t.gname !== undefined) e.gname = t.gname;
  if (t.linkname !== undefined) e.linkname = t.linkname;
  if (t.devmajor !== undefined) e.devmajor = t.devmajor;
  if (t.devminor !== undefined) e.devminor = t.devminor;
  if (t.xattrs !== undefined) e.xattrs = t.xattrs;
  return e;
}
