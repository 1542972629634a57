// The original image's tree from a build report: every entry kept (with its reasons, each
// linking to the entry that caused it), dropped, or added with --exe.
import { TreeBuilder, type Detail, type MarkStyle, type TreeModel } from '../treeview/tree.js';
import { fmtSize } from '../treeview/rows.js';
import type { KeptInput, LoadedReport, ReasonData } from './input.js';

export const MARKS: MarkStyle[] = [
  { name: 'kept', symbol: '+', color: 'green' },
  { name: 'dropped', symbol: '-', color: 'red' },
  { name: 'added', symbol: '*', color: 'yellow' },
];

/** Words for a reason: the build's own (the report's `reasons`), else made from its data. */
export function reasonText(r: ReasonData): string {
  return [r.kind, r.of ? `of ${r.of}${r.line ? `:${r.line}` : ''}` : '', r.detail ? `(${r.detail})` : ''].filter(Boolean).join(' ');
}

export function keptDetails(k: KeptInput): Detail[] {
  const why = Array.isArray(k.why) ? k.why : [];
  const n = Math.max(k.reasons.length, why.length);
  const out: Detail[] = [];
  for (let i = 0; i < n; i++) {
    const data = why[i];
    const text = k.reasons[i] ?? (data ? reasonText(data) : '');
    const link = data?.of && data.of !== k.path ? data.of : undefined;
    out.push({ text, ...(link ? { link } : {}), tag: data?.kind ?? 'reason' });
  }
  return out;
}

export function explainModel(loaded: LoadedReport): TreeModel {
  const { report } = loaded;
  const b = new TreeBuilder('kept');
  for (const d of loaded.dropped ?? []) b.add({ path: d.path, type: d.type, size: d.size, mark: 'dropped' });
  for (const k of report.kept) b.add({ path: k.path, type: k.type, size: k.size, mark: 'kept', details: keptDetails(k) });
  for (const a of report.added ?? []) {
    const had = b.byPath.get(a.path);
    b.add({ path: a.path, type: 'file', size: a.size, mark: 'added', details: [{ text: had ? `--exe (replaces the image's ${had.mark} file)` : '--exe (a host file)', tag: 'exe' }] });
  }
  const { root, byPath } = b.finish();
  // a reason's link only where the tree has the entry it names
  for (const n of byPath.values()) for (const d of n.details) if (d.link && !byPath.has(d.link)) delete d.link;
  return { title: `slimts explain ${loaded.file}`, summary: summaryLines(loaded), root, byPath, marks: MARKS, diffMarks: ['dropped', 'added'] };
}

export function summaryLines(loaded: LoadedReport): string[] {
  const r = loaded.report;
  const before = r.source.size ?? r.source.bytes;
  const after = r.output.size ?? r.output.layerSize ?? r.output.bytes;
  const lines = [
    `${r.source.ref}: ${fmtSize(before)}, ${r.source.files} entries → ${r.output.where}: ${fmtSize(after)}, ${r.output.files} entries${r.ratio ? ` (${r.ratio.toFixed(1)}× smaller)` : ''}`,
  ];
  const probes = r.probes ?? [];
  const verify = r.verify ? (r.verify.ran ? (r.verify.ok ? 'verify passed' : 'verify FAILED') : 'verify skipped') : '';
  const dropped = r.dropped ? `dropped ${fmtSize(r.dropped.bytes)} in ${r.dropped.count} entries` : 'dropped entries not in this report';
  lines.push(`kept ${fmtSize(r.output.bytes)} in ${r.kept.length} entries, ${dropped}; probes ${probes.filter((p) => p.ok).length}/${probes.length} ok${verify ? `; ${verify}` : ''}`);
  return lines;
}
