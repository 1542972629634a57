// The report as titled sections of rows: one layout, rendered as plain text or with ink.
import { clip, fmtBytes, fmtPercent, shortDigest } from './format.js';
import type { XrayReport } from './report.js';

export interface Section {
  title: string;
  /** Table rows; the first row is the header when `header` is true. */
  rows: string[][];
  header?: boolean;
  /** Rows to highlight as bad (indexes into rows). */
  bad?: number[];
  empty?: string;
}

function presence(list: XrayReport['shells']): string {
  const where = (f: { path: string; resolved: string }) => (f.path === f.resolved ? f.path : `${f.path} -> ${f.resolved}`);
  return list.map((p) => `${p.name} (${p.found.map(where).join(', ')})`).join('; ') || 'none';
}

export function buildSections(r: XrayReport, opts: { width?: number } = {}): Section[] {
  const width = opts.width ?? 120;
  const out: Section[] = [];
  const e = r.efficiency;
  out.push({
    title: `Image ${r.image.ref}`,
    rows: [
      ['id', r.image.id],
      ['platform', `${r.image.os}/${r.image.architecture}${r.image.variant ? '/' + r.image.variant : ''}`],
      ['layers', String(r.layers.length)],
      ['total size', `${fmtBytes(r.size.bytes)} (${r.size.bytes} bytes; blobs ${fmtBytes(r.size.blobBytes)})`],
      ['files', `${r.files.count} files, ${r.files.dirs} dirs, ${fmtBytes(r.files.bytes)}`],
      ['efficiency', `${(e.score * 100).toFixed(4)}%`],
      ['wasted bytes', `${fmtBytes(e.wastedBytes)} (${e.wastedBytes} bytes)`],
      ['user wasted percent', fmtPercent(e.userWastedPercent)],
      ['duplicate bytes', `${fmtBytes(r.duplicates.wastedBytes)} in ${r.duplicates.groups.length} groups`],
    ],
  });
  out.push({
    title: 'Layers',
    header: true,
    rows: [
      ['#', 'digest', 'size', 'added', 'modified', 'deleted', 'created by'],
      ...r.layers.map((l) => [
        String(l.index),
        shortDigest(l.digest),
        fmtBytes(l.size),
        `${l.added.files} / ${fmtBytes(l.added.bytes)}`,
        `${l.modified.files} / ${fmtBytes(l.modified.bytes)}`,
        `${l.deleted.files} / ${fmtBytes(l.deleted.bytes)}`,
        clip(l.createdBy ?? '(missing)', Math.max(20, width - 70)),
      ]),
    ],
  });
  for (const l of r.layers.filter((x) => x.estargz)) {
    const z = l.estargz!;
    const shown = z.prefetch.slice(0, 20);
    out.push({
      title: `eStargz layer ${l.index}: ${z.landmark === 'prefetch' ? `prefetch ${z.prefetch.length} files, ${fmtBytes(z.prefetchBytes)}` : z.landmark === 'none' ? 'no prefetch' : 'no landmark'}`,
      header: true,
      rows: [['#', 'path'], ...shown.map((p, i) => [String(i + 1), p]), ...(z.prefetch.length > shown.length ? [['…', `${z.prefetch.length - shown.length} more (--json lists all)`]] : [])],
      empty: 'nothing prefetched',
    });
  }
  out.push({
    title: `Inefficient paths (${e.inefficientPaths})`,
    header: true,
    rows: [['count', 'wasted', 'path'], ...e.inefficiencies.map((i) => [String(i.count), fmtBytes(i.cumulativeSize), i.path])],
    empty: 'none',
  });
  out.push({
    title: 'Biggest files',
    header: true,
    rows: [['size', 'layer', 'path'], ...r.biggestFiles.map((f) => [fmtBytes(f.size), String(f.layer), f.path])],
    empty: 'none',
  });
  out.push({
    title: `Duplicate files (>= ${fmtBytes(r.duplicates.minSize)})`,
    header: true,
    rows: [
      ['wasted', 'copies', 'size', 'paths'],
      ...r.duplicates.groups.slice(0, 20).map((g) => [fmtBytes(g.wastedBytes), String(g.paths.length), fmtBytes(g.size), clip(g.paths.join(' '), width - 30)]),
    ],
    empty: 'none',
  });
  const s = r.security;
  const sec: string[][] = [
    ...s.setuid.map((f) => ['setuid', f.mode, `${f.uid}:${f.gid}`, f.path]),
    ...s.setgid.map((f) => ['setgid', f.mode, `${f.uid}:${f.gid}`, f.path]),
    ...s.capabilities.map((f) => ['capabilities', f.mode, f.capabilities.join(',') + (f.effective ? '+ep' : '+p'), f.path]),
    ...s.worldWritableDirs.map((d) => ['world-writable dir', d.mode, d.sticky ? 'sticky' : 'NOT sticky', d.path]),
  ];
  out.push({
    title: 'Security',
    header: true,
    rows: [['finding', 'mode', 'detail', 'path'], ...sec],
    bad: sec.map((row, i) => (row[2] === 'NOT sticky' || row[0] !== 'world-writable dir' ? i + 1 : -1)).filter((i) => i > 0),
    empty: 'none',
  });
  out.push({
    title: 'Shells and package managers',
    rows: [
      ['shells', presence(r.shells)],
      ['package managers', presence(r.packageManagers)],
    ],
  });
  out.push({ title: 'Dockerfile (from history)', rows: r.dockerfile.map((l) => [l]) });
  if (r.packages !== undefined) out.push(...packageSections(r));
  if (r.diff) {
    const d = r.diff;
    const side = (label: string, sd: typeof d.onlyInImage): Section => ({
      title: `${label}: ${sd.files} files, ${fmtBytes(sd.bytes)}`,
      header: true,
      rows: [['dir', 'files', 'bytes'], ...sd.byDir.slice(0, 25).map((c) => [c.dir, String(c.files), fmtBytes(c.bytes)])],
      empty: 'none',
    });
    out.push(side(`Only in ${r.image.ref}`, d.onlyInImage));
    out.push(side(`Only in ${d.other}`, d.onlyInOther));
    out.push({ title: 'Changed in both', rows: [['files', String(d.changed.files)], ['bytes', `${fmtBytes(d.changed.bytesInImage)} -> ${fmtBytes(d.changed.bytesInOther)}`]] });
    if (d.packages) {
      const lacking = d.packages.source === 'image' ? d.other : r.image.ref;
      out.push({
        title: `Packages with content missing from ${lacking}`,
        header: true,
        rows: [
          ['package', 'files', 'bytes', 'installed there'],
          ...d.packages.packages.slice(0, 40).map((p) => [p.name, String(p.files), fmtBytes(p.bytes), p.notInstalledInOther ? 'no' : 'yes']),
        ],
        empty: 'none',
      });
    }
  }
  if (r.diff?.inventory) out.push(inventorySection(r.image.ref, r.diff.other, r.diff.inventory));
  if (r.ci) {
    out.push({
      title: `CI: ${r.ci.pass ? 'PASS' : 'FAIL'}`,
      rows: r.ci.rules.map((x) => [x.status.toUpperCase(), x.rule, x.message ?? (x.status === 'skip' ? 'disabled' : `threshold ${x.threshold}`)]),
      bad: r.ci.rules.map((x, i) => (x.status === 'fail' ? i : -1)).filter((i) => i >= 0),
    });
  }
  return out;
}

const SHOWN_PACKAGES = 40;

function packageSections(r: XrayReport): Section[] {
  const p = r.packages;
  if (!p) return [{ title: 'Packages', rows: [], empty: 'no package database (dpkg, apk): scanners will see no packages' }];
  const shown = p.packages.slice(0, SHOWN_PACKAGES);
  return [{
    title: `Packages (${p.db}): ${p.count}`,
    header: true,
    rows: [
      ['package', 'version', 'arch', 'layer'],
      ...shown.map((x) => [x.name, x.version, x.architecture ?? '', x.layer === null ? '?' : String(x.layer)]),
      ...(p.count > shown.length ? [['…', `${p.count - shown.length} more (--json lists all)`, '', '']] : []),
    ],
    empty: 'none',
  }];
}

function inventorySection(image: string, other: string, d: NonNullable<NonNullable<XrayReport['diff']>['inventory']>): Section {
  const n = (x: number | null) => (x === null ? 'no database' : String(x));
  const rows = [
    ['packages', `${n(d.image)} in ${image}, ${n(d.other)} in ${other}`],
    ...d.onlyInImage.slice(0, SHOWN_PACKAGES).map((p) => [`only in ${image}`, `${p.name} ${p.version}`]),
    ...d.onlyInOther.slice(0, SHOWN_PACKAGES).map((p) => [`only in ${other}`, `${p.name} ${p.version}`]),
    ...d.versionChanged.map((p) => ['version', `${p.name} ${p.image} -> ${p.other}`]),
  ];
  const more = Math.max(0, d.onlyInImage.length - SHOWN_PACKAGES) + Math.max(0, d.onlyInOther.length - SHOWN_PACKAGES);
  if (more) rows.push(['…', `${more} more (--json lists all)`]);
  return { title: `Package inventories: ${d.onlyInImage.length} only in ${image}, ${d.onlyInOther.length} only in ${other}, ${d.versionChanged.length} changed`, rows };
}
