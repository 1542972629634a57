// Same content stored at different paths: files of a size shared by >= 2 files, grouped by
// the sha256 taken while their layer streamed by.
import type { FsIndex } from '../image/types.js';

export interface DuplicateGroup {
  sha256: string;
  size: number;
  paths: string[];
  /** size * (copies - 1): what keeping one copy would save. */
  wastedBytes: number;
}

export interface DuplicatesResult {
  minSize: number;
  groups: DuplicateGroup[];
  wastedBytes: number;
}

export interface Candidate {
  path: string;
  size: number;
  layer: number;
  dataOffset: number;
}

function sizeCollisions(tree: FsIndex, minSize: number): Candidate[][] {
  const bySize = new Map<number, Candidate[]>();
  for (const e of tree.entries()) {
    // Hardlinks share their target's bytes: they are not duplicates.
    if (e.type !== 'file' || e.size < minSize) continue;
    let g = bySize.get(e.size);
    if (!g) bySize.set(e.size, (g = []));
    g.push({ path: e.path, size: e.size, layer: e.layer, dataOffset: e.dataOffset });
  }
  return [...bySize.values()].filter((g) => g.length >= 2);
}

/** sha256 (hex) of a candidate's content. */
export type Hasher = (c: Candidate) => Promise<string>;

export async function findDuplicates(tree: FsIndex, hashOf: Hasher, minSize = 1024): Promise<DuplicatesResult> {
  const groups: DuplicateGroup[] = [];
  for (const sameSize of sizeCollisions(tree, minSize)) {
    const byHash = new Map<string, string[]>();
    for (const c of sameSize) {
      const h = await hashOf(c);
      const list = byHash.get(h) ?? [];
      list.push(c.path);
      byHash.set(h, list);
    }
    for (const [sha256, paths] of byHash) {
      if (paths.length < 2) continue;
      const size = sameSize[0].size;
      groups.push({ sha256, size, paths: paths.sort(), wastedBytes: size * (paths.length - 1) });
    }
  }
  groups.sort((a, b) => b.wastedBytes - a.wastedBytes || (a.paths[0] < b.paths[0] ? -1 : 1));
  return { minSize, groups, wastedBytes: groups.reduce((s, g) => s + g.wastedBytes, 0) };
}
