// xray's interactive tree (src/treeview): the image as it runs, each file marked by whether the
// base layer or a later one put it there, tagged with its layer and with the waste dive counts;
// then one tree per layer with what it added, modified and deleted. `[` `]` switch between them.
import type { LayerAnalyzer } from './layers.js';
import type { XrayReport } from './report.js';
import { fmtBytes, fmtPercent, shortDigest } from './format.js';
import { TreeBuilder, type Detail, type TreeModel } from '../treeview/tree.js';

export function xrayModels(analyzer: LayerAnalyzer, report: XrayReport): TreeModel[] {
  return [imageModel(analyzer, report), ...report.layers.map((l) => layerModel(analyzer, report, l.index))];
}

function layerLine(report: XrayReport, i: number): string {
  const l = report.layers[i]!;
  return `layer ${i} (${shortDigest(l.digest)}, ${fmtBytes(l.size)}): ${l.createdBy ?? '(no history)'}`.replace(/\s+/g, ' ');
}

function imageModel(analyzer: LayerAnalyzer, report: XrayReport): TreeModel {
  const waste = new Map(analyzer.efficiency.result().inefficiencies.map((p) => [p.path, p]));
  const b = new TreeBuilder('base');
  for (const e of analyzer.tree.entries()) {
    if (e.path === '/') continue;
    const details: Detail[] = [{ text: `from ${layerLine(report, e.layer)}`, tag: `layer ${e.layer}` }];
    const w = waste.get(e.path);
    if (w) details.push({ text: `wasted: ${w.count} copies across layers, ${fmtBytes(w.cumulativeSize - w.minSize)} beyond the smallest`, tag: 'wasted' });
    b.add({ path: e.path, type: e.type, size: e.type === 'file' ? e.size : 0, mark: e.layer === 0 ? 'base' : 'later', details });
  }
  const { root, byPath } = b.finish();
  return {
    title: `slimts xray ${report.image.ref}: the image (${report.layers.length} layers)`,
    summary: [
      `${fmtBytes(report.size.bytes)} in ${report.layers.length} layers, ${report.files.count} files; efficiency ${fmtPercent(report.efficiency.score)}, wasted ${fmtBytes(report.efficiency.wastedBytes)} (r: filter "wasted" or a layer)`,
    ],
    root, byPath,
    marks: [
      { name: 'base', symbol: ' ', color: 'blue' },
      { name: 'later', symbol: '+', color: 'green' },
    ],
    diffMarks: ['later'],
  };
}

function layerModel(analyzer: LayerAnalyzer, report: XrayReport, i: number): TreeModel {
  const st = analyzer.layers[i]!;
  const b = new TreeBuilder('unchanged');
  const line = layerLine(report, i);
  for (const c of st.changes) b.add({ path: c.path, type: c.type, size: c.size, mark: c.change, details: [{ text: `${c.change} by ${line}`, tag: c.change }] });
  const { root, byPath } = b.finish();
  return {
    title: line,
    summary: [`added ${st.added.files} files (${fmtBytes(st.added.bytes)}), modified ${st.modified.files} (${fmtBytes(st.modified.bytes)}), deleted ${st.deleted.files} (${fmtBytes(st.deleted.bytes)})`],
    root, byPath,
    marks: [
      { name: 'added', symbol: '+', color: 'green' },
      { name: 'modified', symbol: '~', color: 'yellow' },
      { name: 'deleted', symbol: '-', color: 'red' },
    ],
    diffMarks: ['added', 'modified', 'deleted'],
  };
}
