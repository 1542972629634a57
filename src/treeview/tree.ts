// The tree both `explain` (an original image, each entry kept / dropped / added) and `xray`
// (one image, what each layer changed) walk: entries with a mark, bytes by mark per folder,
// detail lines with links to other entries, tags to filter on.
import { baseName, parentPath } from '../util/paths.js';

/** A line about an entry (a reason), optionally pointing at the entry that caused it. */
export interface Detail {
  text: string;
  /** The path of the entry this line points at (jumped to from the view). */
  link?: string;
  /** A kind to filter on (a reason kind). */
  tag?: string;
}

export interface TreeNode {
  name: string;
  path: string;
  /** file, dir, symlink, hardlink, char, block, fifo. */
  type: string;
  /** Own bytes (regular files). */
  size: number;
  mark: string;
  details: Detail[];
  /** Directories only, sorted by name. */
  children: TreeNode[] | null;
  parent: TreeNode | null;
  /** Bytes of regular files at and below, by mark. */
  totals: Record<string, number>;
}

export interface MarkStyle {
  name: string;
  /** One character shown before the name (works without colour). */
  symbol: string;
  color: string;
}

export interface TreeModel {
  title: string;
  /** Header lines (before → after, totals). */
  summary: string[];
  root: TreeNode;
  byPath: Map<string, TreeNode>;
  /** The marks in legend order; their totals are the size columns. */
  marks: MarkStyle[];
  /** Marks the diff-only mode shows (what changed). */
  diffMarks: string[];
}

export interface EntryInput {
  path: string;
  type: string;
  size: number;
  mark: string;
  details?: Detail[];
}

const NO_DETAILS: Detail[] = [];
/** No bytes: shared by the entries that are not folders and hold none (most of a big tree). */
const NO_TOTALS: Record<string, number> = Object.freeze({}) as Record<string, number>;

/** Builds a tree from entries in any order; missing parent folders get `parentMark`. */
export class TreeBuilder {
  readonly byPath = new Map<string, TreeNode>();
  readonly root: TreeNode;

  constructor(private readonly parentMark: string) {
    this.root = { name: '/', path: '/', type: 'dir', size: 0, mark: parentMark, details: NO_DETAILS, children: [], parent: null, totals: {} };
    this.byPath.set('/', this.root);
  }

  add(e: EntryInput): TreeNode {
    const existing = this.byPath.get(e.path);
    if (existing) {
      existing.type = e.type;
      existing.size = e.size;
      existing.mark = e.mark;
      existing.details = e.details ?? existing.details;
      if (e.type === 'dir' && !existing.children) existing.children = [];
      return existing;
    }
    const parent = this.dir(parentPath(e.path));
    const node: TreeNode = {
      name: baseName(e.path), path: e.path, type: e.type, size: e.size, mark: e.mark,
      details: e.details ?? NO_DETAILS, children: e.type === 'dir' ? [] : null, parent, totals: NO_TOTALS,
    };
    parent.children!.push(node);
    this.byPath.set(e.path, node);
    return node;
  }

  private dir(path: string): TreeNode {
    const have = this.byPath.get(path);
    if (have) {
      if (!have.children) have.children = []; // a path used as a folder by a later entry
      return have;
    }
    return this.add({ path, type: 'dir', size: 0, mark: this.parentMark });
  }

  /** Sorts children and sums bytes by mark. */
  finish(): { root: TreeNode; byPath: Map<string, TreeNode> } {
    sumTotals(this.root);
    return { root: this.root, byPath: this.byPath };
  }
}

// Allocates one object per folder and per file with bytes, nothing per empty entry: a
// 150 000-entry tree is summed without the garbage collector taking over.
function sumTotals(n: TreeNode): void {
  if (!n.children) {
    n.totals = n.type === 'file' && n.size > 0 ? { [n.mark]: n.size } : NO_TOTALS;
    return;
  }
  const t: Record<string, number> = {};
  n.children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const c of n.children) {
    if (c.children) {
      sumTotals(c);
      for (const k in c.totals) t[k] = (t[k] ?? 0) + c.totals[k]!;
    } else if (c.type === 'file' && c.size > 0) {
      t[c.mark] = (t[c.mark] ?? 0) + c.size;
      c.totals = { [c.mark]: c.size };
    } else c.totals = NO_TOTALS;
  }
  n.totals = t;
}

export function totalBytes(n: TreeNode): number {
  let s = 0;
  for (const v of Object.values(n.totals)) s += v;
  return s;
}

/** What the view shows: marks (empty: all), a tag, a least size, a path substring. */
export interface TreeFilter {
  marks?: string[];
  tag?: string;
  minSize?: number;
  search?: string;
}

export function filterActive(f: TreeFilter): boolean {
  return !!(f.marks?.length || f.tag || f.minSize || f.search);
}

/** Does the entry itself pass the filter (folders pass on their own bytes with minSize). */
export function matches(n: TreeNode, f: TreeFilter): boolean {
  if (f.marks?.length && !f.marks.includes(n.mark)) return false;
  if (f.tag && !n.details.some((d) => d.tag === f.tag)) return false;
  if (f.minSize && (n.children ? totalBytes(n) : n.size) < f.minSize) return false;
  if (f.search && !n.path.toLowerCase().includes(f.search.toLowerCase())) return false;
  return true;
}

/** The nodes to show under a filter: the matches and the folders above them. */
export function shownSet(root: TreeNode, f: TreeFilter): Set<TreeNode> {
  const shown = new Set<TreeNode>();
  const visit = (n: TreeNode): boolean => {
    let any = n !== root && matches(n, f);
    if (n.children) for (const c of n.children) if (visit(c)) any = true;
    if (any) shown.add(n);
    return any;
  };
  visit(root);
  shown.add(root);
  return shown;
}

/** Tags present in the tree with the bytes of files carrying them, most bytes first. */
export function tagsByBytes(root: TreeNode): { tag: string; bytes: number; files: number }[] {
  const m = new Map<string, { bytes: number; files: number }>();
  const visit = (n: TreeNode): void => {
    const seen = new Set<string>();
    for (const d of n.details) {
      if (!d.tag || seen.has(d.tag)) continue;
      seen.add(d.tag);
      const t = m.get(d.tag) ?? { bytes: 0, files: 0 };
      t.bytes += n.type === 'file' ? n.size : 0;
      t.files++;
      m.set(d.tag, t);
    }
    if (n.children) for (const c of n.children) visit(c);
  };
  visit(root);
  return [...m].map(([tag, v]) => ({ tag, ...v })).sort((a, b) => b.bytes - a.bytes || a.tag.localeCompare(b.tag));
}

export function ancestorsOf(n: TreeNode): TreeNode[] {
  const out: TreeNode[] = [];
  for (let p = n.parent; p; p = p.parent) out.push(p);
  return out;
}
