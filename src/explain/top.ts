// `explain --top N`: where the kept bytes are (the N largest kept subtrees, found by opening the
// biggest folder until there are N pieces) and which reasons brought them (each kept file
// counted under its first reason, as the report's references.byReason groups them).
import type { TreeModel, TreeNode } from '../treeview/tree.js';
import { fmtSize } from '../treeview/rows.js';

export interface TopSubtree {
  path: string;
  bytes: number;
  files: number;
  /** Reasons of the files inside, most bytes first (at most 3). */
  reasons: { reason: string; bytes: number }[];
}

export interface TopAnswer {
  keptBytes: number;
  subtrees: TopSubtree[];
  reasons: { reason: string; files: number; bytes: number; example: string }[];
}

const kept = (n: TreeNode): number => (n.totals.kept ?? 0) + (n.totals.added ?? 0);
const isKept = (n: TreeNode): boolean => n.mark !== 'dropped';

export function top(model: TreeModel, count: number): TopAnswer {
  let frontier: TreeNode[] = [model.root];
  for (;;) {
    const openable = frontier.filter((n) => n.children?.some((c) => isKept(c) && kept(c) > 0));
    if (!openable.length || frontier.length >= count) break;
    const biggest = openable.reduce((a, b) => (kept(b) > kept(a) ? b : a));
    const kids = biggest.children!.filter((c) => isKept(c) && kept(c) > 0);
    const rest = kept(biggest) - kids.reduce((s, c) => s + kept(c), 0);
    if (rest > 0) break; // never happens: a folder's bytes are its children's
    frontier = frontier.filter((n) => n !== biggest).concat(kids);
  }
  const subtrees = frontier
    .sort((a, b) => kept(b) - kept(a))
    .slice(0, count)
    .map((n) => ({ path: n.path, bytes: kept(n), files: keptFiles(n), reasons: reasonsIn(n).slice(0, 3).map(({ reason, bytes }) => ({ reason, bytes })) }));
  return { keptBytes: kept(model.root), subtrees, reasons: reasonsIn(model.root) };
}

function keptFiles(n: TreeNode): number {
  if (!n.children) return isKept(n) && n.type === 'file' ? 1 : 0;
  return n.children.reduce((s, c) => s + keptFiles(c), 0);
}

/** Kept files under `n` by their first reason (a data set by its name), most bytes first. */
function reasonsIn(n: TreeNode): { reason: string; files: number; bytes: number; example: string }[] {
  const m = new Map<string, { files: number; bytes: number; example: string }>();
  const visit = (x: TreeNode): void => {
    if (x.children) return x.children.forEach(visit);
    if (!isKept(x) || x.type !== 'file') return;
    const d = x.details[0];
    const reason = !d ? 'unknown' : d.tag === 'data-set' ? `data-set: ${d.text.replace(/ for .*$/, '')}` : (d.tag ?? 'reason');
    const g = m.get(reason) ?? { files: 0, bytes: 0, example: `${x.path}: ${d?.text ?? ''}` };
    g.files++;
    g.bytes += x.size;
    m.set(reason, g);
  };
  visit(n);
  return [...m].map(([reason, g]) => ({ reason, ...g })).sort((a, b) => b.bytes - a.bytes || a.reason.localeCompare(b.reason));
}

export function topLines(t: TopAnswer): string[] {
  const lines = [`largest kept subtrees (of ${fmtSize(t.keptBytes)} kept):`];
  for (const s of t.subtrees) {
    const pct = t.keptBytes ? ` ${((100 * s.bytes) / t.keptBytes).toFixed(1)}%` : '';
    lines.push(`  ${fmtSize(s.bytes).padStart(9)}${pct.padStart(7)}  ${s.path}  (${s.files} file${s.files === 1 ? "" : "s"}; ${s.reasons.map((r) => `${r.reason} ${fmtSize(r.bytes)}`).join(', ')})`);
  }
  lines.push('', 'reasons by bytes brought (each file under its first reason):');
  for (const r of t.reasons) lines.push(`  ${fmtSize(r.bytes).padStart(9)}  ${String(r.files).padStart(6)} files  ${r.reason}   e.g. ${r.example}`);
  return lines;
}
