// xray's package inventory: what the image's package database says is installed, which layer
// brought each package (the first layer whose database lists it at its final version), and
// two images' inventories compared.
import type { MergedTree } from '../image/overlay/index.js';
import { APK_INSTALLED, DPKG_STATUS, DPKG_STATUS_D, installedStanzas, parseApk } from '../pkgdb/index.js';
import { baseName } from '../util/paths.js';
import { readFinalFile, type ScannedImage } from './scan.js';

export interface ListedPackage {
  name: string;
  version: string;
  architecture: string | null;
  /** Index of the layer that brought it at this version; null when no layer's database shows it. */
  layer: number | null;
}

export interface PackageListing {
  db: 'dpkg' | 'apk';
  count: number;
  packages: ListedPackage[];
}

export interface InventoryDiff {
  /** Package counts of the two images (null: that image has no database). */
  image: number | null;
  other: number | null;
  onlyInImage: Array<{ name: string; version: string }>;
  onlyInOther: Array<{ name: string; version: string }>;
  /** Installed in both at different versions. */
  versionChanged: Array<{ name: string; image: string; other: string }>;
}

type Pkg = { name: string; version: string; architecture?: string };

const key = (p: Pkg) => `${p.name}:${p.architecture ?? ''}`;

function parseDb(path: string, text: string): Pkg[] {
  if (path === APK_INSTALLED) return parseApk(text).map((s) => ({ name: s.name, version: s.version, ...(s.arch ? { architecture: s.arch } : {}) }));
  return installedStanzas(text).map((s) => s.pkg);
}

/** Packages of one database file per layer, for the layer that first shows each at its version. */
function layerOf(image: ScannedImage, path: string, pkgs: Pkg[]): Map<string, number> {
  const out = new Map<string, number>();
  const want = new Map(pkgs.map((p) => [key(p), p.version]));
  for (let i = 0; i < image.layers.length && out.size < want.size; i++) {
    const b = image.layerDbFile(i, path);
    if (!b) continue;
    for (const p of parseDb(path, b.toString('utf8'))) if (!out.has(key(p)) && want.get(key(p)) === p.version) out.set(key(p), i);
  }
  return out;
}

export async function listPackages(image: ScannedImage): Promise<PackageListing | undefined> {
  const tree: MergedTree = image.analyzer.tree;
  const rows: ListedPackage[] = [];
  let db: PackageListing['db'] | undefined;
  for (const path of [DPKG_STATUS, APK_INSTALLED]) {
    const b = await readFinalFile(tree, image.read, path);
    if (!b) continue;
    db = path === APK_INSTALLED ? 'apk' : 'dpkg';
    const pkgs = parseDb(path, b.toString('utf8'));
    const layers = layerOf(image, path, pkgs);
    for (const p of pkgs) rows.push({ name: p.name, version: p.version, architecture: p.architecture ?? null, layer: layers.get(key(p)) ?? null });
    break;
  }
  // distroless: a file per package; its layer is the one that wrote it
  const dir = tree.resolve(DPKG_STATUS_D);
  for (const node of dir?.type === 'dir' ? tree.children(dir.path) : []) {
    if (node.type !== 'file' || baseName(node.path).includes('.')) continue;
    const b = await readFinalFile(tree, image.read, node.path);
    if (!b) continue;
    db = 'dpkg';
    for (const s of installedStanzas(b.toString('utf8'))) rows.push({ name: s.pkg.name, version: s.pkg.version, architecture: s.pkg.architecture ?? null, layer: node.layer });
  }
  if (!db) return undefined;
  rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { db, count: rows.length, packages: rows };
}

export function diffInventories(a: PackageListing | undefined, b: PackageListing | undefined): InventoryDiff {
  const am = new Map((a?.packages ?? []).map((p) => [key({ ...p, architecture: p.architecture ?? undefined }), p]));
  const bm = new Map((b?.packages ?? []).map((p) => [key({ ...p, architecture: p.architecture ?? undefined }), p]));
  const out: InventoryDiff = { image: a?.count ?? null, other: b?.count ?? null, onlyInImage: [], onlyInOther: [], versionChanged: [] };
  for (const [k, p] of am) {
    const q = bm.get(k);
    if (!q) out.onlyInImage.push({ name: p.name, version: p.version });
    else if (q.version !== p.version) out.versionChanged.push({ name: p.name, image: p.version, other: q.version });
  }
  for (const [k, q] of bm) if (!am.has(k)) out.onlyInOther.push({ name: q.name, version: q.version });
  return out;
}
