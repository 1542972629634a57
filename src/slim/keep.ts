// The select stage of `build`: the keep-set over the image's index, with file facts and
// references read from the image's own bytes, and the report's account of what references
// added.
import { indexView, isElfMagic, readLdSoConf } from '../elf/index.js';
import type { ImageFiles } from '../image/files.js';
import type { FsEntry, FsIndex } from '../image/types.js';
import { refsOf } from '../refs/index.js';
import { formatReason, select } from '../select/index.js';
import type { Reason, Selection, SelectInput, Unresolved } from '../select/index.js';
import { imageFacts } from './facts.js';
import type { BuildOptions } from './options.js';

export function selectFor(files: Pick<ImageFiles, 'read' | 'config' | 'prefetch'>, index: FsIndex, events: SelectInput['trace'], opts: BuildOptions): Selection {
  const read = (e: FsEntry, off: number, len: number) => files.read(e, off, len);
  const view = indexView(index, read);
  let ldLibraryDirs: string[] = [];
  try {
    ldLibraryDirs = readLdSoConf(view);
  } catch {
    // an unreadable ld.so.conf leaves the loader's default dirs
  }
  const facts = imageFacts(index, read);
  return select({
    index, trace: events, facts, config: files.config, read,
    prefetch: (paths, followed) => {
      files.prefetch(paths);
      // a kept ELF file's strings are read next: the whole file, in one more batch for all of
      // them (the write then takes it from where the reader keeps what it read)
      if (followed && opts.select?.references !== false) files.prefetch(paths.filter((p) => isElfFile(index, read, p)), { whole: true });
    },
    refs: (path, hints) => {
      const e = index.get(path);
      const f = facts(path);
      if (!e || f?.elf) return undefined;
      return refsOf(view, path, e.content?.size ?? e.size, { ...hints, shebang: f?.shebang });
    },
    options: { ...opts.select, ldLibraryDirs },
  });
}

/** Whether the file at `path` starts as an ELF file does (its head was asked for in the batch before). */
function isElfFile(index: FsIndex, read: (e: FsEntry, off: number, len: number) => Buffer, path: string): boolean {
  const e = index.get(path);
  if (!e || (e.type !== 'file' && e.type !== 'hardlink')) return false;
  try {
    return isElfMagic(read(e, 0, 4));
  } catch {
    return false;
  }
}

/** How many unresolved references the report lists (the count is always exact). */
const MAX_UNRESOLVED = 300;

export interface ReferencesReport {
  /** False with --no-references. */
  enabled: boolean;
  /** Entries kept only because of references (not traced, not in the config or an include option). */
  files: number;
  bytes: number;
  /** Those entries grouped by the reason they were first kept for ("import", "command", "data-set: …", "elf-needed"...). */
  byReason: Array<{ reason: string; files: number; bytes: number; examples: string[] }>;
  /**
   * The same entries by the mechanism that brought them (a reference kind, a data set, the app
   * directory...): a library's own libraries count for the mechanism that kept the library.
   */
  byMechanism: Array<{ mechanism: string; files: number; bytes: number }>;
  /** Modules the program runs without (slower, or with less), kept unless --drop-optional. */
  optional: Array<{ path: string; what: string; bytes: number; dropped: boolean }>;
  /** Data sets kept whole, with what made each needed. */
  dataSets: Array<{ set: string; what: string; trigger: string; roots: string[] }>;
  /** Data families kept (or cut by --family-limit): siblings of a file the run chose by a computed key. */
  families: Array<{ pattern: string; trigger: string; evidence: string; files: number; bytes: number; cut?: boolean }>;
  /** References that named nothing in the image: the build goes on; they are listed to check. */
  unresolvedCount: number;
  unresolved: Unresolved[];
}

export function referencesReport(sel: Selection, enabled: boolean): ReferencesReport {
  const groups = new Map<string, { files: number; bytes: number; examples: string[] }>();
  const mechanisms = new Map<string, { files: number; bytes: number }>();
  let files = 0;
  let bytes = 0;
  for (const [path, k] of sel.keep) {
    if (!k.byReference) continue;
    const size = k.entry.type === 'file' || k.entry.type === 'hardlink' ? (k.entry.content?.size ?? k.entry.size) : 0;
    const r = k.reasons[0];
    const key = !r ? 'other' : r.kind === 'data-set' ? `data-set: ${r.detail ?? ''}` : r.kind;
    const m = mechanisms.get(mechanismOf(sel.keep, path)) ?? { files: 0, bytes: 0 };
    m.files++;
    m.bytes += size;
    mechanisms.set(mechanismOf(sel.keep, path), m);
    const g = groups.get(key) ?? { files: 0, bytes: 0, examples: [] };
    g.files++;
    g.bytes += size;
    if (g.examples.length < 5 && k.entry.type !== 'dir') g.examples.push(`${path}: ${k.reasons.map(formatReason)[0]}`);
    groups.set(key, g);
    files++;
    bytes += size;
  }
  return {
    enabled,
    files,
    bytes,
    byReason: [...groups.entries()].map(([reason, g]) => ({ reason, ...g })).sort((a, b) => b.bytes - a.bytes),
    byMechanism: [...mechanisms.entries()].map(([mechanism, g]) => ({ mechanism, ...g })).sort((a, b) => b.bytes - a.bytes),
    optional: sel.optional ?? [],
    dataSets: sel.dataSets,
    families: sel.families ?? [],
    unresolvedCount: sel.unresolved.length,
    unresolved: sel.unresolved.slice(0, MAX_UNRESOLVED),
  };
}

/** Reasons that follow from another kept path (its parents, links, libraries, interpreter): not a mechanism of their own. */
const CLOSURE = new Set(['parent', 'on-path', 'symlink-on-path', 'symlink-target', 'elf-interpreter', 'elf-needed', 'shebang', 'hardlink', 'ld-cache']);

/** The mechanism that brought `path`: its first reason that is not the closure of another kept path, up that chain. */
function mechanismOf(keep: Selection['keep'], path: string): string {
  const seen = new Set<string>();
  let cur: string | undefined = path;
  while (cur !== undefined && !seen.has(cur)) {
    seen.add(cur);
    const reasons: Reason[] = keep.get(cur)?.reasons ?? [];
    const own = reasons.find((r) => !CLOSURE.has(r.kind));
    if (own) return own.kind === 'data-set' ? `data-set: ${own.detail ?? ''}` : own.kind;
    cur = reasons.find((r) => r.of && r.of !== cur && keep.has(r.of))?.of;
  }
  return 'closure';
}
