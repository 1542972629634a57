// What the HTML page shows, as one JSON document embedded in it (the page's script,
// src/explain/page/app.ts, reads it): the summary, the tree with reasons, probes, packages.
import type { TreeModel, TreeNode } from '../treeview/tree.js';
import type { LoadedReport, ProbeInput } from './input.js';

export type ProbeData = ProbeInput;
import { top } from './top.js';

/** A node: name, mark index, type letter, own size, totals by mark (folders), children, reasons [text, link]. */
export interface PageNode {
  n: string;
  m: number;
  t: string;
  s: number;
  k?: number[];
  c?: PageNode[];
  r?: [string, string?][];
}

export interface PageData {
  title: string;
  summary: string[];
  source: { ref: string; size: number; files: number };
  output: { where: string; size: number; files: number };
  ratio?: number;
  verify?: { ran: boolean; ok: boolean; notes: string[] };
  marks: { name: string; symbol: string; color: string }[];
  tree: PageNode;
  probes: ProbeInput[];
  verifyProbes: ProbeInput[];
  packages?: unknown;
  reasons: { reason: string; files: number; bytes: number; example: string }[];
}

const TYPE_LETTER: Record<string, string> = { file: 'f', dir: 'd', symlink: 'l', hardlink: 'h', char: 'c', block: 'b', fifo: 'p' };

function pageNode(model: TreeModel, n: TreeNode): PageNode {
  const out: PageNode = { n: n.name, m: model.marks.findIndex((m) => m.name === n.mark), t: TYPE_LETTER[n.type] ?? 'f', s: n.size };
  if (n.children) {
    out.k = model.marks.map((m) => n.totals[m.name] ?? 0);
    out.c = n.children.map((c) => pageNode(model, c));
  }
  if (n.details.length) out.r = n.details.map((d) => (d.link ? [d.text, d.link] : [d.text]));
  return out;
}

export function pageData(loaded: LoadedReport, model: TreeModel): PageData {
  const r = loaded.report;
  return {
    title: `${r.source.ref} → ${r.output.where}`,
    summary: model.summary,
    source: { ref: r.source.ref, size: r.source.size ?? r.source.bytes, files: r.source.files },
    output: { where: r.output.where, size: r.output.size ?? r.output.layerSize ?? r.output.bytes, files: r.output.files },
    ...(r.ratio !== undefined ? { ratio: r.ratio } : {}),
    ...(r.verify ? { verify: { ran: r.verify.ran, ok: r.verify.ok, notes: r.verify.notes } } : {}),
    marks: model.marks,
    tree: pageNode(model, model.root),
    probes: r.probes ?? [],
    verifyProbes: r.verify?.probes ?? [],
    ...packagesOf(r),
    reasons: top(model, 1).reasons,
  };
}

/** Package counts, however the build recorded them: a `packages` object, or one on source and output. */
function packagesOf(r: LoadedReport['report']): { packages?: unknown } {
  const p = r.packages as { db?: string | null; before?: number; after?: number; removed?: { name: string }[]; inventoryBytes?: number; note?: string } | undefined;
  // the build's inventory (src/slim/SCHEMA.md `packages`): the counts and the removed names, not every kept package's record
  if (p && typeof p.before === 'number' && typeof p.after === 'number') {
    const removed = (p.removed ?? []).map((x) => x.name);
    return {
      packages: {
        database: p.db ?? 'none',
        'packages before → after': `${p.before} → ${p.after}`,
        removed: removed.length > 60 ? `${removed.slice(0, 60).join(', ')} … (${removed.length} in all)` : removed.join(', '),
        ...(p.inventoryBytes !== undefined ? { 'inventory bytes': p.inventoryBytes } : {}),
        ...(p.note ? { note: p.note } : {}),
      },
    };
  }
  if (r.packages !== undefined) return { packages: r.packages };
  const before = (r.source as Record<string, unknown>).packages;
  const after = (r.output as Record<string, unknown>).packages;
  return before !== undefined || after !== undefined ? { packages: { before, after } } : {};
}
