// `explain --why PATH`: one plain answer — kept (its reasons and the chain to a root cause),
// dropped (the nearest kept neighbour and the flag that would keep it), or not in the image.
import { normalize } from '../util/paths.js';
import type { TreeModel, TreeNode } from '../treeview/tree.js';
import { fmtSize } from '../treeview/rows.js';

export interface WhyReason {
  text: string;
  kind?: string;
  /** The entry that caused it. */
  of?: string;
}

export interface WhyAnswer {
  path: string;
  status: 'kept' | 'dropped' | 'added' | 'not in the image' | 'not kept';
  type?: string;
  size?: number;
  reasons?: WhyReason[];
  /** Why each cause was kept in turn, up to a root cause (a traced access, a flag, the config). */
  chain?: { path: string; reasons: string[] }[];
  nearestKept?: { path: string; relation: 'sibling' | 'ancestor' };
  /** The build flag that would keep it. */
  keepWith?: string;
  note?: string;
}

const BIN_DIR = /^\/(usr\/)?(local\/)?s?bin\//;

export function why(model: TreeModel, rawPath: string, opts: { hasDropped: boolean }): WhyAnswer {
  const path = normalize(rawPath.startsWith('/') ? rawPath : `/${rawPath}`);
  const n = model.byPath.get(path);
  if (!n) {
    if (!opts.hasDropped) return { path, status: 'not kept', note: 'the report does not list dropped entries (made by an older slimts): it is either dropped or not in the image' };
    return { path, status: 'not in the image' };
  }
  const base = { path, type: n.type, size: n.children ? n.totals.kept ?? 0 : n.size };
  if (n.mark === 'dropped') {
    const near = nearestKept(n);
    return { ...base, status: 'dropped', ...(near ? { nearestKept: near } : {}), keepWith: keepFlag(n) };
  }
  const reasons = n.details.map((d) => ({ text: d.text, ...(d.tag ? { kind: d.tag } : {}), ...(d.link ? { of: d.link } : {}) }));
  return { ...base, status: n.mark === 'added' ? 'added' : 'kept', reasons, chain: chain(model, n) };
}

/** Follows the first link that is not a traced access, as select's own explain does. */
function chain(model: TreeModel, n: TreeNode): { path: string; reasons: string[] }[] {
  const out: { path: string; reasons: string[] }[] = [];
  const seen = new Set<string>([n.path]);
  let cur = n.details.find((d) => d.link && d.tag !== 'traced')?.link;
  while (cur && !seen.has(cur) && out.length < 12) {
    seen.add(cur);
    const c = model.byPath.get(cur);
    if (!c || c.mark === 'dropped') break;
    out.push({ path: cur, reasons: c.details.map((d) => d.text) });
    cur = c.details.find((d) => d.link && d.tag !== 'traced')?.link;
  }
  return out;
}

/** A kept entry in the same folder (the closest name), else the nearest kept folder above. */
function nearestKept(n: TreeNode): WhyAnswer['nearestKept'] {
  const sibs = (n.parent?.children ?? []).filter((c) => c !== n && c.mark !== 'dropped');
  if (sibs.length) {
    const best = sibs.reduce((a, b) => (sharedPrefix(a.name, n.name) >= sharedPrefix(b.name, n.name) ? a : b));
    return { path: best.path, relation: 'sibling' };
  }
  for (let p = n.parent; p; p = p.parent) if (p.mark !== 'dropped' && hasKept(p)) return { path: p.path, relation: 'ancestor' };
  return undefined;
}

function hasKept(n: TreeNode): boolean {
  return (n.children ?? []).some((c) => c.mark !== 'dropped');
}

function sharedPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

function keepFlag(n: TreeNode): string {
  if (n.type === 'file' && BIN_DIR.test(n.path)) return `--include-bin ${n.path}`;
  return `--include-path ${shellWord(n.path)}`;
}

function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The answer as lines for a terminal or a CI log. */
export function whyLines(a: WhyAnswer): string[] {
  const size = a.size !== undefined && a.type ? ` (${a.type}, ${fmtSize(a.size)})` : '';
  switch (a.status) {
    case 'not in the image':
      return [`${a.path}: not in the image`];
    case 'not kept':
      return [`${a.path}: not kept — ${a.note}`];
    case 'dropped': {
      const lines = [`${a.path}: dropped${size}`];
      if (a.nearestKept) lines.push(`  nearest kept ${a.nearestKept.relation === 'sibling' ? 'in the same folder' : 'folder above'}: ${a.nearestKept.path}`);
      lines.push(`  to keep it: slimts build ... ${a.keepWith}`);
      return lines;
    }
    default: {
      const lines = [`${a.path}: ${a.status}${size}`];
      for (const r of a.reasons ?? []) lines.push(`  because: ${r.text}`);
      for (const c of a.chain ?? []) lines.push(`  ${c.path}: ${c.reasons.join('; ')}`);
      return lines;
    }
  }
}
