import type { InventoryDiff } from './packages.js';
// What one image has that the other lacks, summed by top directories and by Debian package.
export interface FileInfo {
  type: string;
  size: number;
}

export interface DirCount {
  dir: string;
  files: number;
  bytes: number;
}

export interface SideDiff {
  /** Non-directory entries present on this side only, and their bytes. */
  files: number;
  bytes: number;
  byDir: DirCount[];
}

export interface PackageDiff {
  name: string;
  files: number;
  bytes: number;
  /** True when the package is installed in the fuller image's dpkg status but not the other's. */
  notInstalledInOther: boolean;
}

export interface PackageSection {
  /** Which image's dpkg database attributes the paths (the one with the bigger status file). */
  source: 'image' | 'other';
  packages: PackageDiff[];
}

export interface DiffResult {
  other: string;
  depth: number;
  onlyInImage: SideDiff;
  onlyInOther: SideDiff;
  /** Non-directory paths on both sides whose type or size differ. */
  changed: { files: number; bytesInImage: number; bytesInOther: number };
  packages?: PackageSection;
  /** The two images' package inventories compared (src/xray/packages.ts). */
  inventory?: InventoryDiff;
}

export function topDir(path: string, depth: number): string {
  const parts = path.split('/').filter(Boolean);
  parts.pop(); // the file itself
  return '/' + parts.slice(0, depth).join('/');
}

function onlyIn(a: Map<string, FileInfo>, b: Map<string, FileInfo>, depth: number): { side: SideDiff; paths: string[] } {
  const dirs = new Map<string, DirCount>();
  const paths: string[] = [];
  let files = 0;
  let bytes = 0;
  for (const [p, f] of a) {
    if (f.type === 'dir' || b.has(p)) continue;
    paths.push(p);
    files++;
    bytes += f.size;
    const d = topDir(p, depth);
    const c = dirs.get(d) ?? { dir: d, files: 0, bytes: 0 };
    c.files++;
    c.bytes += f.size;
    dirs.set(d, c);
  }
  const byDir = [...dirs.values()].sort((x, y) => y.bytes - x.bytes || y.files - x.files || (x.dir < y.dir ? -1 : 1));
  return { side: { files, bytes, byDir }, paths };
}

export interface PackageDb {
  /** Installed package names. */
  installed: Set<string>;
  /** Owner of a (canonical) path. */
  owner(path: string): string | undefined;
  statusSize: number;
}

export function diffImages(
  image: Map<string, FileInfo>,
  other: Map<string, FileInfo>,
  opts: { otherRef: string; depth?: number; imageDb?: PackageDb; otherDb?: PackageDb },
): DiffResult {
  const depth = opts.depth ?? 2;
  const a = onlyIn(image, other, depth);
  const b = onlyIn(other, image, depth);
  const changed = { files: 0, bytesInImage: 0, bytesInOther: 0 };
  for (const [p, f] of image) {
    const g = other.get(p);
    if (!g || f.type === 'dir' || (g.type === f.type && g.size === f.size)) continue;
    changed.files++;
    changed.bytesInImage += f.size;
    changed.bytesInOther += g.size;
  }
  const result: DiffResult = { other: opts.otherRef, depth, onlyInImage: a.side, onlyInOther: b.side, changed };
  const { imageDb, otherDb } = opts;
  // The fuller database names more owners; on a tie, attribute the side that lacks more.
  const useImage =
    imageDb && (!otherDb || imageDb.statusSize > otherDb.statusSize || (imageDb.statusSize === otherDb.statusSize && a.side.bytes >= b.side.bytes));
  const db = useImage ? imageDb : otherDb;
  if (db) {
    const lacking = useImage ? a : b;
    const otherSide = useImage ? otherDb : imageDb;
    const byPkg = new Map<string, PackageDiff>();
    const get = (name: string) => {
      let p = byPkg.get(name);
      if (!p) byPkg.set(name, (p = { name, files: 0, bytes: 0, notInstalledInOther: name !== '(no package)' && !otherSide?.installed.has(name) }));
      return p;
    };
    const fuller = useImage ? image : other;
    for (const path of lacking.paths) {
      const p = get(db.owner(path) ?? '(no package)');
      p.files++;
      p.bytes += fuller.get(path)!.size;
    }
    // Packages dropped from the database whose files all went too still deserve a line.
    for (const name of db.installed) if (!otherSide?.installed.has(name)) get(name);
    const packages = [...byPkg.values()].sort((x, y) => y.bytes - x.bytes || y.files - x.files || (x.name < y.name ? -1 : 1));
    result.packages = { source: useImage ? 'image' : 'other', packages };
  }
  return result;
}
