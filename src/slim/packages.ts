// The build's package inventory: the keep-set grows by the database files (rewritten to what
// remains, src/pkgdb) and the files scanners read with them; the report says packages before →
// after; the layer gets the new bytes; the SBOM describes what remains.
import { Readable } from 'node:stream';
import type { FsEntry, FsIndex } from '../image/types.js';
import type { WriteEntry } from '../oci/types.js';
import { cyclonedx, trimPackageDb, type SbomSubject, type TrimmedInventory } from '../pkgdb/index.js';
import { compileGlobs, type KeepSet } from '../select/index.js';
import { parentPath } from '../util/paths.js';

export interface PackagesReport {
  /** False with --no-package-db: the slim image holds no package database. */
  enabled: boolean;
  /** Which database the image has (null: none this tool reads). */
  db: 'dpkg' | 'apk' | 'rpm' | null;
  /** Installed packages of the original. */
  before: number;
  /** Packages the slim image's database lists: those with at least one file left. */
  after: number;
  /** Packages none of whose files remain (gone from the slim image's database). */
  removed: Array<{ name: string; version: string }>;
  /** Packages that remain, with how many of their files were kept. */
  kept: Array<{ name: string; version: string; filesKept: number; filesOriginal: number }>;
  /** Bytes the inventory adds to the slim image (its rewritten files and the files kept for scanners that nothing else kept). */
  inventoryBytes: number;
  /** Why there is no inventory, or what could not be read. */
  note?: string;
  /** Where --sbom wrote the CycloneDX SBOM; where it was pushed beside the image. */
  sbom?: { file?: string; pushed?: string };
}

export interface PackageInventory {
  report: PackagesReport;
  inventory?: TrimmedInventory;
  /** The rewritten database files, written over the kept entries of the same paths. */
  entries: WriteEntry[];
}

type Read = (e: FsEntry, offset: number, length: number) => Buffer;

/** Adds the inventory to `keep` (mutates it: the keep-set is the build's list of what the slim image holds). */
export function addPackageInventory(index: FsIndex, keep: KeepSet, read: Read, enabled: boolean, excludes: readonly string[] = []): PackageInventory {
  if (!enabled) {
    return { report: { enabled: false, db: null, before: 0, after: 0, removed: [], kept: [], inventoryBytes: 0, note: '--no-package-db' }, entries: [] };
  }
  const excluded = compileGlobs(excludes);
  const result = trimPackageDb(index, (p) => keep.has(p), read, (p) => excluded(p) !== undefined);
  let bytes = 0;
  const keepPath = (path: string, detail: string, entry?: FsEntry) => {
    const e = entry ?? index.get(path);
    if (!e || keep.has(path) && !entry) return;
    if (!keep.has(path) && e.type === 'file') bytes += e.size;
    keep.set(path, { entry: e, reasons: [{ kind: 'package-db', detail }] });
    for (let p = parentPath(path); p !== '/' && !keep.has(p); p = parentPath(p)) {
      const d = index.get(p);
      if (d) keep.set(p, { entry: d, reasons: [{ kind: 'parent', of: path }] });
    }
  };
  for (const k of result.keepAsIs) keepPath(k.path, k.reason);
  const entries: WriteEntry[] = [];
  const inv = result.inventory;
  for (const f of inv?.files ?? []) {
    const orig = index.get(f.path);
    if (!orig) continue;
    const { dataOffset: _d, layer: _l, content: _c, linkname: _n, ...meta } = orig;
    const entry: FsEntry = { ...orig, type: 'file', size: f.content.length, content: undefined };
    delete entry.linkname;
    keepPath(f.path, f.reason, entry);
    bytes += f.content.length;
    const content = f.content;
    entries.push({ ...meta, path: f.path, type: 'file', size: content.length, open: () => Readable.from([content]) });
  }
  const db = inv?.db ?? (result.keepAsIs.some((k) => k.reason.startsWith('rpm')) ? 'rpm' : null);
  return {
    inventory: inv,
    entries,
    report: {
      enabled: true,
      db,
      before: inv?.before ?? 0,
      after: inv?.kept.length ?? 0,
      removed: [...(inv?.removed ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1)),
      kept: [...(inv?.kept ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1))
        .map((p) => ({ name: p.name, version: p.version, filesKept: p.filesKept, filesOriginal: p.filesBefore })),
      inventoryBytes: bytes,
      ...(result.note ? { note: result.note } : {}),
    },
  };
}

/** The SBOM's JSON text, or undefined when there is no inventory to describe. */
export function sbomText(inv: TrimmedInventory | undefined, subject: SbomSubject): string | undefined {
  return inv ? `${JSON.stringify(cyclonedx(inv, subject), null, 2)}\n` : undefined;
}
