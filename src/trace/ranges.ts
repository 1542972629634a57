// Byte ranges [start, end) of a file: the `#resident` runs as one sorted, disjoint list.

export type Range = readonly [start: number, end: number];

/** Sorted, overlapping and touching ranges joined. */
export function unionRanges(ranges: Iterable<Range>): Range[] {
  const sorted = [...ranges].filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}
