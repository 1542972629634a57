// Applies layers one at a time to the merged tree (src/image/overlay), counting what each
// adds, modifies and deletes, and feeding dive's efficiency visits. Pure over lists of tar
// entries, so the exact semantics are testable with hand-made data; xray.ts feeds it from
// real layers.
import type { FsEntry, TarEntry } from '../image/types.js';
import { MergedTree, applyLayer, namedPaths, planLayer, victimOf, type LayerPlan } from '../image/overlay/index.js';
import { EfficiencyTracker } from './efficiency.js';
import { EstargzSpotter, type EstargzLayerInfo } from './estargz.js';
import { parentPath } from '../util/paths.js';

export interface ChangeStats {
  added: { files: number; bytes: number };
  modified: { files: number; bytes: number };
  deleted: { files: number; bytes: number };
}

/** One file a layer added, modified or deleted (for xray's interactive tree). */
export interface LayerChange {
  path: string;
  type: string;
  size: number;
  change: 'added' | 'modified' | 'deleted';
}

export interface LayerStats extends ChangeStats {
  /** What the layer changed, file by file (directories are implied by their files). */
  changes: LayerChange[];
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
    changes: [],
    added: { files: 0, bytes: 0 },
    modified: { files: 0, bytes: 0 },
    deleted: { files: 0, bytes: 0 },
  };
}

/** Sum of the sizes of entries (a directory's own size is 0). */
const sizeOf = (es: Iterable<FsEntry>) => {
  let s = 0;
  for (const e of es) s += e.size;
  return s;
};

export class LayerAnalyzer {
  readonly tree = new MergedTree();
  readonly efficiency = new EfficiencyTracker();
  readonly layers: LayerStats[] = [];

  /** Applies the next layer. `entries` are in tar order, whiteouts as-is. */
  addLayer(entries: Iterable<TarEntry>): LayerStats {
    const st = emptyStats();
    const spot = new EstargzSpotter();
    const plan = planLayer(
      (function* () {
        for (const e of entries) {
          spot.see(e);
          st.entries++;
          st.size += e.size;
          yield e;
        }
      })(),
    );
    st.estargz = spot.result();
    st.whiteouts = plan.whiteouts.length;
    st.opaqueDirs = plan.opaques;
    this.visitLayerTree(plan);
    this.apply(plan, st);
    this.layers.push(st);
    return st;
  }

  /**
   * dive's visits: the leaves of the layer's own tree (its entries, whiteouts and opaque dirs
   * with their parents), weighed against the tree as it is below this layer. A whiteout weighs
   * the subtree it removes when that is a directory, else nothing.
   */
  private visitLayerTree(plan: LayerPlan): void {
    const nodes = namedPaths(plan);
    const inner = new Set<string>();
    for (const p of nodes) inner.add(parentPath(p));
    const whiteouts = new Set(plan.whiteouts);
    const last = new Map(plan.entries.map((e) => [e.path, e]));
    for (const p of nodes) {
      if (inner.has(p)) continue;
      if (!whiteouts.has(p)) {
        this.efficiency.visit(p, last.get(p)?.size ?? 0);
        continue;
      }
      const target = victimOf(p);
      const lower = this.tree.at(this.tree.locate(target));
      this.efficiency.visit(target, lower?.type === 'dir' ? sizeOf(this.tree.below(lower.path)) : 0);
    }
  }

  /**
   * Applies the layer, counting what it changed: the files it placed that stand after it are
   * added, or modified when a lower layer's entry stood there; the lower layers' files it
   * removed are deleted. What an opaque dir hides weighs like a whiteout of it would.
   */
  private apply(plan: LayerPlan, st: LayerStats): void {
    const layer = this.layers.length;
    const tree = this.tree;
    /** Paths the layer placed, and whether a lower layer's entry stood there before it. */
    const placed = new Map<string, boolean>();
    applyLayer(tree, plan, layer, {
      removed: (gone, why) => {
        // a file a directory takes the place of is not deleted: its path stays, as a directory
        if (why === 'replaced' && gone[0]!.type !== 'dir') return;
        for (const d of gone) {
          if (d.type === 'dir' || d.layer === layer) continue;
          st.deleted.files++;
          st.deleted.bytes += d.size;
          st.changes.push({ path: d.path, type: d.type, size: d.size, change: 'deleted' });
        }
        const top = gone[0]!;
        if (why === 'opaque') this.efficiency.visit(top.path, top.type === 'dir' ? sizeOf(gone) : 0);
      },
      placed: (e, shadowed) => {
        if (!placed.has(e.path)) placed.set(e.path, shadowed !== undefined && shadowed.layer !== layer && !tree.isImplied(shadowed));
      },
    });
    for (const [path, overLower] of placed) {
      const e = tree.at(path);
      if (!e || e.layer !== layer || e.type === 'dir') continue;
      const bucket = overLower ? st.modified : st.added;
      bucket.files++;
      bucket.bytes += e.size;
      st.changes.push({ path, type: e.type, size: e.size, change: overLower ? 'modified' : 'added' });
    }
  }
}
