// The slim image's package inventory, as a pure function: the original's index and bytes and
// the keep-set's paths in; the database files rewritten to what remains (each with its reason),
// the files kept as they are for scanners (OS identification), and the before/after account out.
import type { FsEntry, FsIndex } from '../image/types.js';
import { parentPath } from '../util/paths.js';
import { APK_INSTALLED, trimApk } from './apk.js';
import { DPKG_INFO, DPKG_STATUS, DPKG_STATUS_D } from './dpkg.js';
import { trimDpkg, type DbTrim } from './trim-dpkg.js';
import type { TrimmedInventory } from './types.js';
import { dbView, type DbView } from './view.js';

/** What scanners read to know which distribution they look at (and so which advisories apply). */
export const OS_ID_FILES = ['/etc/os-release', '/usr/lib/os-release', '/etc/debian_version', '/etc/alpine-release', '/etc/lsb-release'];
export const OS_ID_REASON = 'OS identification for scanners';

/** Databases this tool reads but cannot cut (RPM's is a Berkeley DB or SQLite file). */
const RPM_DBS = ['/var/lib/rpm/rpmdb.sqlite', '/var/lib/rpm/Packages', '/usr/lib/sysimage/rpm/rpmdb.sqlite', '/usr/lib/sysimage/rpm/Packages'];

export interface InventoryResult {
  /** Undefined when the image has no package database this tool can cut, or it was unreadable. */
  inventory?: TrimmedInventory;
  /** Original paths (symlinks and their targets) to keep with their original bytes, each with why. */
  keepAsIs: Array<{ path: string; reason: string }>;
  /** Said once by the caller: what was wrong with the database, or that there is none. */
  note?: string;
}

/** `excluded`: the user's --exclude globs; what they name stays out, the database's files too. */
export function trimPackageDb(
  index: FsIndex, kept: (path: string) => boolean, read: (e: FsEntry, offset: number, length: number) => Buffer,
  excluded: (path: string) => boolean = () => false,
): InventoryResult {
  const probe = dbView(index, kept, read);
  const rpm = RPM_DBS.find((p) => probe.original(p) !== undefined);
  const hasDb = rpm !== undefined || probe.read(DPKG_STATUS) !== undefined || probe.list(DPKG_STATUS_D).length > 0 || probe.read(APK_INSTALLED) !== undefined;
  // what is kept as it is counts as kept for the trim (os-release is base-files')
  const keepAsIs: InventoryResult['keepAsIs'] = [];
  if (hasDb) for (const f of OS_ID_FILES) for (const p of probe.chain(f)) keepAsIs.push({ path: p, reason: OS_ID_REASON });
  if (rpm) for (const p of probe.chain(rpm)) keepAsIs.push({ path: p, reason: 'rpm package database (kept whole: not trimmed)' });
  for (let i = keepAsIs.length - 1; i >= 0; i--) if (excluded(keepAsIs[i].path)) keepAsIs.splice(i, 1);
  const extra = new Set<string>();
  for (const { path } of keepAsIs) for (let p = path; p !== '/'; p = parentPath(p)) extra.add(p);
  const view = extra.size ? dbView(index, (p) => kept(p) || extra.has(p), read) : probe;
  let trimmed: { db: 'dpkg' | 'apk'; t: DbTrim } | undefined;
  let note: string | undefined;
  for (const [db, fn] of [['dpkg', trimDpkg], ['apk', trimApk]] as const) {
    try {
      const t = fn(view);
      if (t) {
        trimmed = { db, t };
        break;
      }
    } catch (err) {
      note = `the ${db} package database is unreadable (${(err as Error).message}): the slim image has no package inventory`;
      break;
    }
  }
  // not cut (its format is a database file): kept whole, so scanners still see every package
  if (rpm && !trimmed && !note) note = `the rpm package database is kept whole (${rpm}): scanners see every original package`;
  if (!trimmed && !rpm && !note) note = 'no package database (dpkg, apk, rpm) in the image: the slim image has no package inventory';
  if (!trimmed) return { keepAsIs, ...(note ? { note } : {}) };
  const { db, t } = trimmed;
  return {
    inventory: { db, distro: distroOf(view), before: t.before, kept: t.kept, removed: t.removed, files: t.files.filter((f) => !excluded(f.path)), dropped: t.dropped },
    keepAsIs,
  };
}

/** ID and VERSION_ID of os-release (purls name the distribution by them). */
export function distroOf(view: Pick<DbView, 'read'>): TrimmedInventory['distro'] {
  const b = view.read('/etc/os-release') ?? view.read('/usr/lib/os-release');
  if (!b) return undefined;
  const vals = new Map<string, string>();
  for (const line of b.toString('utf8').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) vals.set(m[1], m[2].replace(/^["']|["']$/g, ''));
  }
  const id = vals.get('ID');
  if (!id) return undefined;
  const versionId = vals.get('VERSION_ID');
  return versionId ? { id, versionId } : { id };
}

/** The database files the trim may read (a reader that fetches ahead can take them in one batch). */
export function databaseFiles(index: FsIndex): string[] {
  const out = [DPKG_STATUS, APK_INSTALLED, ...OS_ID_FILES];
  for (const dir of [DPKG_INFO, DPKG_STATUS_D]) {
    for (const c of index.children(dir)) if (/\.(list|md5sums)$/.test(c.path) || dir === DPKG_STATUS_D) out.push(c.path);
  }
  return out;
}
