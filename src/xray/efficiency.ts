// dive's image efficiency (filetree/efficiency.go + image/analysis.go), reproduced exactly:
// every leaf node of every layer's tree is a "visit" of its path; a path's cumulative size is
// the sum of its visits and its minimum the smallest visit. score = sum(min) / sum(cumulative)
// (1 when nothing was seen); wasted bytes = sum of cumulative sizes of paths visited by >= 2
// layers; user wasted percent = wasted / (total size - first layer size).

export interface PathEfficiency {
  path: string;
  /** How many layer-tree nodes touched the path (dive's len(Nodes)). */
  count: number;
  cumulativeSize: number;
  minSize: number;
}

export interface EfficiencyResult {
  score: number;
  wastedBytes: number;
  /** Paths visited at least twice, biggest cumulative size first. */
  inefficiencies: PathEfficiency[];
}

export class EfficiencyTracker {
  // Path -> [count, cumulative, min]; a tuple keeps per-path memory small.
  private readonly byPath = new Map<string, [number, number, number]>();

  visit(path: string, size: number): void {
    const d = this.byPath.get(path);
    if (!d) {
      this.byPath.set(path, [1, size, size]);
      return;
    }
    d[0]++;
    d[1] += size;
    if (size < d[2]) d[2] = size;
  }

  result(): EfficiencyResult {
    let minimum = 0;
    let discovered = 0;
    let wastedBytes = 0;
    const inefficiencies: PathEfficiency[] = [];
    for (const [path, [count, cumulativeSize, minSize]] of this.byPath) {
      minimum += minSize;
      discovered += cumulativeSize;
      if (count >= 2) {
        wastedBytes += cumulativeSize;
        inefficiencies.push({ path, count, cumulativeSize, minSize });
      }
    }
    inefficiencies.sort((a, b) => b.cumulativeSize - a.cumulativeSize || (a.path < b.path ? -1 : 1));
    return { score: discovered === 0 ? 1 : minimum / discovered, wastedBytes, inefficiencies };
  }
}

/**
 * dive's WastedUserPercent = wasted / userSize, where userSize excludes the first layer.
 * Go's float division gives NaN for 0/0 and +Inf for x/0; xray reports 0 and Infinity.
 */
export function userWastedPercent(wastedBytes: number, userSizeBytes: number): number {
  if (userSizeBytes === 0) return wastedBytes === 0 ? 0 : Infinity;
  return wastedBytes / userSizeBytes;
}
