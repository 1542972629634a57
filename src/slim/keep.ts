// The select stage of `build`: the keep-set over the image's index, with file facts and
// references read from the image's own bytes, and the report's account of what references
// added.
import { indexView, readLdSoConf } from '../elf/index.js';
import type { ImageFiles } from '../image/files.js';
import type { FsEntry, FsIndex } from '../image/types.js';
import { refsOf } from '../refs/index.js';
import { formatReason, select } from '../select/index.js';
import type { Selection, SelectInput, Unresolved } from '../select/index.js';
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
    prefetch: (paths) => files.prefetch(paths),
    refs: (path) => {
      const e = index.get(path);
      if (!e) return undefined;
      return refsOf(view, path, e.content?.size ?? e.size, facts(path)?.shebang);
    },
    options: { ...opts.select, ldLibraryDirs },
  });
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
  let files = 0;
  let bytes = 0;
  for (const [path, k] of sel.keep) {
    if (!k.byReference) continue;
    const size = k.entry.type === 'file' || k.entry.type === 'hardlink' ? (k.entry.content?.size ?? k.entry.size) : 0;
    const r = k.reasons[0];
    const key = !r ? 'other' : r.kind === 'data-set' ? `data-set: ${r.detail ?? ''}` : r.kind;
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
    dataSets: sel.dataSets,
    families: sel.families ?? [],
    unresolvedCount: sel.unresolved.length,
    unresolved: sel.unresolved.slice(0, MAX_UNRESOLVED),
  };
}
