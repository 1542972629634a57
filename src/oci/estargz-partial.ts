// Files the app reads only in part during start-up (a module image, ICU data, a locale
// archive, a database: `#resident`/`#mapped` show a few runs of it) cost the whole file when
// they sit in the prefetch range, which the container waits for. Such a file goes after the
// landmark instead, cut into chunks where its touched runs start: a lazy puller fetches what
// the start needs on demand, one round trip per miss. Code the start-up runs through (most
// pages of a library) stays in the prefetch range, where it costs no round trip at all.
import type { Range } from '../trace/ranges.js';
import { unionRanges } from '../trace/ranges.js';

/** The kernel's read-around on a page fault (FUSE's default readahead): a run's chunk covers it. */
export const READ_AROUND = 128 << 10;
/**
 * What one on-demand miss brings in: the estargz reader fills a 2 MiB buffer of compressed
 * bytes of the file from the chunk it needs on, about this much of the file at 2:1.
 */
export const FETCH_AHEAD = 4 << 20;
/** Bytes a round trip must save to be worth it (≈ 40 ms at 200 Mbit/s, 0.2 s at 40 Mbit/s: conservative for slow links too). */
export const BYTES_PER_ROUND_TRIP = 1 << 20;

/** What start-up read of big files: the page cache by trace path, the pages mapped by real path (FORMAT.md). */
export interface StartupReads {
  resident?: ReadonlyMap<string, readonly Range[]>;
  mapped?: ReadonlyMap<string, readonly Range[]>;
}

/**
 * The runs start-up read of a `size`-byte file. The page cache (`resident`) sees reads both
 * ways but also the kernel's readahead, which around a mapping's fault can be megabytes wide
 * (read_ahead_kb): when it covers at most half the file it is believed, with the mapped pages
 * added; when it covers more and the app mapped the file, its mapped pages alone tell what the
 * start touched; else the cache (mostly read: prefetched whole).
 */
export function readRuns(size: number, resident?: readonly Range[], mapped?: readonly Range[]): Range[] | undefined {
  const share = (r: readonly Range[]) => r.reduce((n, [a, b]) => n + Math.min(b, size) - Math.min(a, size), 0) / size;
  if (resident && share(resident) <= 1 / 2) return unionRanges([...resident, ...(mapped ?? [])]);
  if (mapped) return unionRanges(mapped);
  return resident && unionRanges(resident);
}

export interface PartialRead {
  /** Chunk boundaries inside the file (ascending, within (0, size)): each touched run starts and ends a chunk. */
  cuts: number[];
  /** Bytes a lazy start is expected to fetch of it (the runs, read-around and each miss's fetch-ahead). */
  fetched: number;
}

/**
 * `read`: the byte ranges of a `size`-byte file start-up read (readRuns). The file is read in
 * part when a lazy start would fetch at most half of it (on-demand misses hold the app up one
 * by one, the prefetch range streams) and what it leaves out pays for the round trips;
 * undefined otherwise (prefetch it whole). `chunkSize`: the writer's largest chunk.
 */
export function partialRead(size: number, read: readonly Range[], chunkSize: number): PartialRead | undefined {
  const runs = unionRanges(read
    .map(([a, b]): Range => [Math.max(0, a - READ_AROUND), Math.min(size, b + READ_AROUND)])
    .filter(([a, b]) => b > a));
  if (runs.length === 0) return undefined;
  const windows = unionRanges(runs.map(([a, b]): Range => [a, Math.min(size, b + FETCH_AHEAD)]));
  const fetched = windows.reduce((n, [a, b]) => n + b - a, 0);
  const roundTrips = windows.reduce((n, [a, b]) => n + Math.ceil((b - a) / Math.max(FETCH_AHEAD, chunkSize)), 0);
  if (fetched > size / 2 || size - fetched < roundTrips * BYTES_PER_ROUND_TRIP) return undefined;
  const cuts = runs.flatMap(([a, b]) => [a, b]).filter((c) => c > 0 && c < size);
  return { cuts: [...new Set(cuts)], fetched };
}
