// The entry order of an eStargz layer: the files the app read first, in the order it first
// read them (each with the dirs, symlinks and hardlink targets it needs before it), then the
// prefetch landmark, then everything else in the writer's usual order. A lazy puller fetches
// the blob up to the landmark before the container starts, so what the app reads at start-up
// comes in one range request. With nothing read, `.no.prefetch.landmark` leads instead.
import { Readable } from 'node:stream';
import { DEFAULT_CHUNK_SIZE } from './estargz.js';
import { partialRead, readRuns, type StartupReads } from './estargz-partial.js';
import type { WriteEntry } from './types.js';
import { parentPath } from '../util/paths.js';
import { resolvePath } from '../image/resolve-path.js';
import type { FileStat, FileView } from '../image/view.js';

const PREFETCH_LANDMARK = '/.prefetch.landmark';
const NO_PREFETCH_LANDMARK = '/.no.prefetch.landmark';
const TOC_NAME = '/stargz.index.json';
/** The landmark files' one byte of content (the estargz package's landmarkContents). */
const LANDMARK_BYTE = 0x0f;
const RESERVED = new Set([PREFETCH_LANDMARK, NO_PREFETCH_LANDMARK, TOC_NAME]);

export interface EstargzPlan {
  /** Every entry in blob order, the landmark included. */
  entries: WriteEntry[];
  /** Entries before the landmark (0 with `.no.prefetch.landmark`). */
  prefetched: number;
  /** Regular files with content among them, in first-access order. */
  prefetchFiles: string[];
  /** Files start-up read only in part, right after the landmark, in first-access order. */
  partialFiles: string[];
  /** Chunk boundaries the writer must keep, per entry path (the partial files' touched runs). */
  cuts: Map<string, number[]>;
}

export function landmark(path: string): WriteEntry {
  return {
    path, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, size: 1,
    open: () => Readable.from([Buffer.from([LANDMARK_BYTE])]),
  };
}

/**
 * The entries a path's lookup meets inside the layer, in the order it meets them: each
 * directory on the way, each symlink (then its target's walk), and the final entry. Empty when
 * the path does not resolve inside the layer (files the app probed but the image lacks).
 */
export function lookupEntries(byPath: ReadonlyMap<string, WriteEntry>, path: string): WriteEntry[] {
  const met: WriteEntry[] = [];
  const r = resolvePath(entriesView(byPath), path, (step) => {
    const e = step.path === '/' ? undefined : byPath.get(step.path);
    if (e) met.push(e);
  });
  return r.stat ? met : [];
}

/** The layer's entries as a view for symlink resolution (metadata only: nothing reads bytes). */
function entriesView(byPath: ReadonlyMap<string, WriteEntry>): FileView {
  const kind = (e: WriteEntry): FileStat['type'] =>
    e.type === 'symlink' || e.type === 'dir' ? e.type : e.type === 'file' || e.type === 'hardlink' ? 'file' : 'other';
  return {
    lstat: (p) => {
      const e = byPath.get(p);
      return e && { type: kind(e), size: e.size, linkname: e.linkname };
    },
    read: () => {
      throw new Error('estargz order: entries have no bytes to read');
    },
  };
}

/**
 * `ordered` is the writer's tar order (parents first, hardlinks after their targets);
 * `firstAccess` the paths the app read during start-up, first access first, as the trace names
 * them; `later` those it first read after start-up, in the same order; `reads` what start-up
 * read of big files (page cache by trace path, mapped pages by real path).
 */
export function estargzOrder(
  ordered: readonly WriteEntry[], firstAccess: readonly string[], later: readonly string[] = [],
  reads: StartupReads = {}, chunkSize = DEFAULT_CHUNK_SIZE,
): EstargzPlan {
  const kept = ordered.filter((e) => !RESERVED.has(e.path)); // a re-slimmed eStargz image's old ones
  const byPath = new Map(kept.map((e) => [e.path, e]));
  const out: WriteEntry[] = [];
  const done = new Set<string>();
  const prefetchFiles: string[] = [];

  let files: string[] | undefined = prefetchFiles; // undefined once past the landmark
  const emit = (e: WriteEntry): void => {
    if (done.has(e.path)) return;
    const parent = e.path === '/' ? undefined : parentPath(e.path);
    const p = parent === undefined ? undefined : byPath.get(parent);
    if (p) emit(p);
    if (e.type === 'hardlink') {
      const t = byPath.get(e.linkname ?? '');
      if (t) emit(t);
    }
    done.add(e.path);
    out.push(e);
    if (e.type === 'file' && e.size > 0) files?.push(e.path);
  };
  const cuts = new Map<string, number[]>();
  const partial: WriteEntry[][] = [];
  // the file whose bytes a lookup reaches (a hardlink's target), and how start-up read it
  const partOf = (path: string, last: WriteEntry) => {
    const file = last.type === 'hardlink' ? byPath.get(last.linkname ?? '') : last;
    if (!file || file.type !== 'file' || done.has(file.path)) return undefined;
    const runs = readRuns(file.size, reads.resident?.get(path) ?? reads.resident?.get(file.path), reads.mapped?.get(file.path) ?? reads.mapped?.get(path));
    const p = runs && partialRead(file.size, runs, chunkSize);
    return p ? { file, cuts: p.cuts } : undefined;
  };
  const emitRead = (paths: readonly string[], startup: boolean) => {
    for (const path of paths) {
      const met = lookupEntries(byPath, path);
      const last = met[met.length - 1];
      // only paths that reach something with bytes to fetch: a bare directory listing or stat
      // needs nothing the TOC does not already carry
      if (!last || (last.type !== 'file' && last.type !== 'hardlink')) continue;
      const part = startup ? partOf(path, last) : undefined;
      if (part) {
        cuts.set(part.file.path, part.cuts);
        partial.push(met);
        continue;
      }
      for (const e of met) emit(e);
    }
  };
  emitRead(firstAccess, true);
  const prefetched = out.length;
  if (prefetched === 0) out.push(landmark(NO_PREFETCH_LANDMARK));
  else out.push(landmark(PREFETCH_LANDMARK));
  files = undefined;
  const partialFiles: string[] = [];
  for (const met of partial) {
    for (const e of met) emit(e);
    const last = met[met.length - 1]!;
    const file = last.type === 'hardlink' ? last.linkname! : last.path;
    if (!partialFiles.includes(file)) partialFiles.push(file);
  }
  emitRead(later, false);
  for (const e of kept) if (!done.has(e.path)) out.push(e);
  // the landmark sits in "/": put it after the root entry when nothing was prefetched
  if (prefetched === 0 && out[1]?.path === '/') [out[0], out[1]] = [out[1]!, out[0]!];
  return { entries: out, prefetched, prefetchFiles, partialFiles, cuts };
}
