// Applies layers one at a time to a StackedTree, counting what each adds, modifies and
// deletes, and feeding dive's efficiency visits. Pure over lists of tar entries, so the
// exact semantics are testable with hand-made data; xray.ts feeds it from real layers.
import type { TarEntry } from '../image/types.js';
import { EfficiencyTracker } from './efficiency.js';
import { EstargzSpotter, type EstargzLayerInfo } from './estargz.js';
import { overlayName } from '../image/overlay/index.js';
import { baseName, childPath, parentPath } from '../util/paths.js';
import { StackedTree, isDirNode, metaOf, type Node } from './tree.js';

export interface ChangeStats {
  added: { files: number; bytes: number };
  modified: { files: number; bytes: number };
  deleted: { files: number; bytes: number };
}

export interface LayerStats extends ChangeStats {
  /** dive's layer size: sum of the sizes of the layer's tar entries. */
  size: number;
  entries: number;
  whiteouts: number;
  opaqueDirs: string[];
  /** eStargz layers: the landmark and the prefetch list; null for other layers. */
  estargz: EstargzLayerInfo | null;
}

function emptyStats(): LayerStats {
  return {
    size: 0,
    entries: 0,
    whiteouts: 0,
    opaqueDirs: [],
    estargz: null,
    added: { files: 0, bytes: 0 },
    modified: { files: 0, bytes: 0 },
    deleted: { files: 0, bytes: 0 },
  };
}

/** Sum of sizes of a node and everything below it (dive's whiteout-of-a-directory size). */
function subtreeSize(n: Node): number {
  let s = n.meta?.size ?? 0;
  for (const d of StackedTree.descendants(n)) s += d.meta?.size ?? 0;
  return s;
}

/** The path a whiteout entry ("/a/.wh.b") removes ("/a/b"). */
function victimOf(whiteout: string): string {
  const o = overlayName(baseName(whiteout));
  if (o.kind !== 'whiteout') throw new Error(`not a whiteout: ${whiteout}`);
  return childPath(parentPath(whiteout), o.victim);
}

export class LayerAnalyzer {
  readonly tree = new StackedTree();
  readonly efficiency = new EfficiencyTracker();
  readonly layers: LayerStats[] = [];

  /** Applies the next layer. `entries` are in tar order, whiteouts as-is. */
  addLayer(entries: Iterable<TarEntry>): LayerStats {
    const index = this.layers.length;
    const st = emptyStats();
    const normal = new Map<string, TarEntry>(); // last entry per path wins, as in dive's tree
    const ordered: TarEntry[] = [];
    const whiteouts: string[] = []; // raw paths ("/a/.wh.b")
    const opaques: string[] = []; // the opaque directories
    const spot = new EstargzSpotter();
    for (const e of entries) {
      spot.see(e);
      st.entries++;
      st.size += e.size;
      if (e.path === '/') continue; // dive skips "." entries
      const o = overlayName(baseName(e.path));
      if (o.kind === 'opaque') opaques.push(parentPath(e.path));
      else if (o.kind === 'whiteout') whiteouts.push(e.path);
      else if (o.kind === 'plain') {
        normal.set(e.path, e);
        ordered.push(e);
      }
    }
    st.estargz = spot.result();
    st.whiteouts = whiteouts.length;
    const whiteoutSet = new Set(whiteouts);
    st.opaqueDirs = opaques;

    // The layer's own tree, as dive builds it: entries, whiteout nodes and implied parents
    // (an opaque marker is never added, but its directory is). Leaves are the visited nodes.
    const nodes = new Set<string>();
    const hasChild = new Set<string>();
    const addNode = (p: string) => {
      nodes.add(p);
      for (let c = p, q = parentPath(c); c !== '/' && !hasChild.has(q); c = q, q = parentPath(c)) {
        hasChild.add(q);
        if (q !== '/') nodes.add(q);
      }
    };
    for (const p of normal.keys()) addNode(p);
    for (const p of whiteouts) addNode(p);
    for (const d of opaques) if (d !== '/') addNode(d);

    // Efficiency visits, against the tree as it was below this layer.
    for (const p of nodes) {
      if (hasChild.has(p)) continue;
      if (whiteoutSet.has(p)) {
        const target = victimOf(p);
        const lower = this.tree.get(target);
        // dive: a whiteout weighs the lower subtree if it was a directory, else nothing.
        this.efficiency.visit(target, lower && isDirNode(lower) ? subtreeSize(lower) : 0);
      } else {
        this.efficiency.visit(p, normal.get(p)?.size ?? 0);
      }
    }

    // Deletions apply to lower layers only, so they go before this layer's entries.
    const removeSubtree = (n: Node) => {
      for (const d of [n, ...StackedTree.descendants(n)]) {
        if (d.meta && d.meta.type !== 'dir') {
          st.deleted.files++;
          st.deleted.bytes += d.meta.size;
        }
      }
      this.tree.remove(n);
    };
    for (const p of whiteouts) {
      const lower = this.tree.get(victimOf(p));
      if (lower) removeSubtree(lower);
    }
    // Opaque dirs (dive ignores them): each lower entry below the directory that this layer
    // does not bring back counts like a `.wh.` whiteout of it would (same weight rules).
    for (const d of opaques) {
      const lowerDir = this.tree.get(d);
      if (!lowerDir) continue;
      const sweep = (dir: Node, dirPath: string) => {
        for (const c of [...(dir.children?.values() ?? [])]) {
          const cp = childPath(dirPath, c.name);
          if (nodes.has(cp)) {
            if (isDirNode(c)) sweep(c, cp);
            continue;
          }
          this.efficiency.visit(cp, isDirNode(c) ? subtreeSize(c) : 0);
          removeSubtree(c);
        }
      };
      sweep(lowerDir, d);
    }

    for (const e of ordered) {
      if (normal.get(e.path) !== e) continue;
      const lower = this.tree.get(e.path);
      if (lower && isDirNode(lower) && e.type !== 'dir') removeSubtree(lower);
      if (e.type !== 'dir') {
        const bucket = lower && lower.meta ? st.modified : st.added;
        bucket.files++;
        bucket.bytes += e.size;
      }
      this.tree.set(e.path, metaOf(e, index));
    }
    this.layers.push(st);
    return st;
  }
}
