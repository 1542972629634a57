// xray(ref): what an image is made of, what it wastes and what it exposes.
import type { History } from '../image/types.js';
import { diffImages, type FileInfo, type PackageDb } from './diff.js';
import { reverseDockerfile } from './dockerfile.js';
import { packageOfListFile, parseDpkgList, parseDpkgStatus } from './dpkg.js';
import { findDuplicates } from './duplicates.js';
import { diffInventories, listPackages } from './packages.js';
import { userWastedPercent } from './efficiency.js';
import { collectFindings } from './findings.js';
import { evaluateGate, type GateConfig } from './gate.js';
import type { LayerAnalyzer } from './layers.js';
import type { LayerReport, XrayReport } from './report.js';
import { readFinalFile, scanImage, type ScannedImage } from './scan.js';
import { baseName, childPath, parentPath } from '../util/paths.js';
import type { MergedTree } from '../image/overlay/index.js';

export interface XrayOptions {
  /** "os/arch[/variant]" for multi-platform images (default: the host's). */
  platform?: string;
  tmpDir?: string;
  /** How many biggest files / inefficiencies to list (default 10). */
  top?: number;
  /** Smallest file size considered for duplicate detection (default 1024). */
  dupMinSize?: number;
  /** Compare with this image. */
  diff?: string;
  /** Path depth of the directories the diff sums by (default 2). */
  diffDepth?: number;
  /** Evaluate the CI gate with these thresholds. */
  gate?: GateConfig;
  /** Called with the layers applied, before the image is closed (the interactive tree reads them). */
  onAnalyzed?: (analyzer: LayerAnalyzer, report: XrayReport) => void;
}

/**
 * Matches history to layers as dive does: in order, skipping empty_layer entries. When
 * history has fewer layer entries than there are layers (a base image built without
 * history), the entries go to the last layers, not the first, unlike dive.
 */
export function historyForLayers(history: History[] | undefined, layerCount: number): (History | undefined)[] {
  const out: (History | undefined)[] = [];
  const h = history ?? [];
  const missing = layerCount - h.filter((x) => !x.empty_layer).length;
  let hi = 0;
  for (let i = 0; i < layerCount; i++) {
    if (i < missing) {
      out.push(undefined);
      continue;
    }
    while (hi < h.length && h[hi].empty_layer) hi++;
    out.push(hi < h.length ? h[hi++] : undefined);
  }
  return out;
}

function finalFiles(tree: MergedTree): { map: Map<string, FileInfo>; count: number; dirs: number; bytes: number } {
  const map = new Map<string, FileInfo>();
  let count = 0;
  let dirs = 0;
  let bytes = 0;
  for (const { path, type, size } of tree.entries()) {
    if (path === '/') continue;
    map.set(path, { type, size });
    if (type === 'dir') dirs++;
    else {
      count++;
      bytes += size;
    }
  }
  return { map, count, dirs, bytes };
}

/** Loads dpkg's database of an image, when it has one; paths are canonicalised via symlinks. */
async function loadPackageDb(image: ScannedImage): Promise<PackageDb | undefined> {
  const tree = image.analyzer.tree;
  const status = await readFinalFile(tree, image.read, '/var/lib/dpkg/status');
  if (!status) return undefined;
  const installed = new Set(parseDpkgStatus(status.toString('utf8')).map((p) => p.name));
  const owners = new Map<string, string>();
  const info = tree.resolve('/var/lib/dpkg/info');
  const canonDir = new Map<string, string>();
  const canonical = (p: string) => {
    // usrmerge: lists say /bin/bash while the file is /usr/bin/bash.
    const dir = parentPath(p);
    let c = canonDir.get(dir);
    if (c === undefined) canonDir.set(dir, (c = tree.resolve(dir)?.path ?? dir));
    return childPath(c, baseName(p));
  };
  for (const node of info ? tree.children(info.path) : []) {
    const name = baseName(node.path);
    const pkg = packageOfListFile(`/var/lib/dpkg/info/${name}`);
    if (!pkg || node.type !== 'file') continue;
    const text = await readFinalFile(tree, image.read, `/var/lib/dpkg/info/${name}`);
    if (!text) continue;
    for (const p of parseDpkgList(text.toString('utf8'))) owners.set(canonical(p), pkg);
  }
  return { installed, owner: (p) => owners.get(p), statusSize: status.length };
}

function layerReports(image: ScannedImage, analyzer: LayerAnalyzer): LayerReport[] {
  const hist = historyForLayers(image.config.history, image.layers.length);
  return image.layers.map((l, index) => {
    const s = analyzer.layers[index];
    const h = hist[index];
    return {
      index,
      digest: l.digest,
      diffId: l.diffId,
      mediaType: l.mediaType,
      blobSize: l.size,
      size: s.size,
      createdBy: h?.created_by ?? null,
      created: h?.created ?? null,
      comment: h?.comment ?? null,
      entries: s.entries,
      added: s.added,
      modified: s.modified,
      deleted: s.deleted,
      whiteouts: s.whiteouts,
      opaqueDirs: s.opaqueDirs,
      estargz: s.estargz,
    };
  });
}

export async function xray(ref: string, opts: XrayOptions = {}): Promise<XrayReport> {
  const top = opts.top ?? 10;
  const dupMinSize = opts.dupMinSize ?? 1024;
  const image = await scanImage(ref, { platform: opts.platform, tmpDir: opts.tmpDir, dupMinSize });
  try {
    const analyzer = image.analyzer;
    const layers = layerReports(image, analyzer);
    const eff = analyzer.efficiency.result();
    const sizeBytes = layers.reduce((s, l) => s + l.size, 0);
    const userBytes = sizeBytes - (layers[0]?.size ?? 0);
    const uwp = userWastedPercent(eff.wastedBytes, userBytes);
    const findings = collectFindings(analyzer.tree, { top });
    const duplicates = await findDuplicates(analyzer.tree, image.hash, dupMinSize);
    const files = finalFiles(analyzer.tree);
    const c = image.config;
    const report: XrayReport = {
      schemaVersion: 1,
      image: { ref, id: image.configDigest, os: c.os, architecture: c.architecture, variant: c.variant ?? null, created: c.created ?? null },
      size: { bytes: sizeBytes, userBytes, blobBytes: image.layers.reduce((s, l) => s + l.size, 0) },
      efficiency: {
        score: eff.score,
        wastedBytes: eff.wastedBytes,
        userWastedPercent: Number.isFinite(uwp) ? uwp : null,
        inefficientPaths: eff.inefficiencies.length,
        inefficiencies: eff.inefficiencies.slice(0, top),
      },
      layers,
      files: { count: files.count, dirs: files.dirs, bytes: files.bytes },
      biggestFiles: findings.biggestFiles,
      duplicates,
      security: { setuid: findings.setuid, setgid: findings.setgid, capabilities: findings.capabilities, worldWritableDirs: findings.worldWritableDirs },
      shells: findings.shells,
      packageManagers: findings.packageManagers,
      dockerfile: reverseDockerfile(c),
      packages: (await listPackages(image)) ?? null,
    };
    if (opts.diff) {
      const imageDb = await loadPackageDb(image);
      const other = await scanImage(opts.diff, { platform: opts.platform, tmpDir: opts.tmpDir, dupMinSize: Number.MAX_SAFE_INTEGER });
      try {
        const otherDb = await loadPackageDb(other);
        report.diff = diffImages(files.map, finalFiles(other.analyzer.tree).map, { otherRef: opts.diff, depth: opts.diffDepth, imageDb, otherDb });
        report.diff.inventory = diffInventories(report.packages ?? undefined, await listPackages(other));
      } finally {
        await other.close();
      }
    }
    opts.onAnalyzed?.(analyzer, report);
    if (opts.gate) {
      report.ci = evaluateGate({ efficiency: eff.score, wastedBytes: eff.wastedBytes, userWastedPercent: uwp, sizeBytes }, opts.gate);
    }
    return report;
  } finally {
    await image.close();
  }
}
