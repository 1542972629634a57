// The tree as rows on a screen or in a log: which nodes show (filter, open folders), their
// guides (├── └── │), and the columns of a row. Shared by the text and ink renderers.
import { fmtBytes } from '../util/size.js';
import { filterActive, shownSet, type TreeFilter, type TreeModel, type TreeNode } from './tree.js';

export interface Row {
  node: TreeNode;
  depth: number;
  /** Tree guides before the name. */
  guide: string;
  open: boolean;
}

/**
 * Rows under `filter`. `isOpen` decides which folders show their children; the root's
 * children always show (the root itself is not a row).
 */
export function visibleRows(model: TreeModel, filter: TreeFilter, isOpen: (n: TreeNode) => boolean, maxDepth = Infinity): Row[] {
  const shown = filterActive(filter) ? shownSet(model.root, filter) : undefined;
  const rows: Row[] = [];
  const walk = (dir: TreeNode, depth: number, lead: string): void => {
    const kids = shown ? dir.children!.filter((c) => shown.has(c)) : dir.children!;
    kids.forEach((c, i) => {
      const last = i === kids.length - 1;
      const open = !!c.children && depth + 1 < maxDepth && isOpen(c);
      rows.push({ node: c, depth, guide: lead + (last ? '└── ' : '├── '), open });
      if (open) walk(c, depth + 1, lead + (last ? '    ' : '│   '));
    });
  };
  walk(model.root, 0, '');
  return rows;
}

/** SI sizes ("1.2 MB", "999 B"), as dive and xray print them. */
export const fmtSize = fmtBytes;

/** Parses "10MB", "1.5 GB", "500k", "2048" (bytes); undefined when not a size. */
export function parseSizeText(s: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$/i.exec(s);
  if (!m) return undefined;
  const unit = (m[2] ?? '').toLowerCase();
  const pow = { '': 0, k: 1, m: 2, g: 3, t: 4 }[unit.replace(/i?b$/, '').replace(/i$/, '')] ?? 0;
  const base = unit.includes('i') ? 1024 : 1000;
  return Math.round(Number(m[1]) * base ** pow);
}

export const COLUMN_WIDTH = 9;

/** The size columns of a row: bytes under each mark (a file: its size under its own mark). */
export function sizeColumns(model: TreeModel, n: TreeNode): string[] {
  return model.marks.map((m) => {
    const v = n.children ? n.totals[m.name] : n.mark === m.name ? n.size : undefined;
    return (v ? fmtSize(v) : n.children || n.mark !== m.name ? '' : '0 B').padStart(COLUMN_WIDTH);
  });
}

export function symbolOf(model: TreeModel, n: TreeNode): string {
  return model.marks.find((m) => m.name === n.mark)?.symbol ?? ' ';
}

/** The name for a screen: control characters (a newline in a file name) as \\xNN. */
export function displayName(n: TreeNode): string {
  // eslint-disable-next-line no-control-regex
  const name = n.name.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return n.children ? `${name}/` : name;
}

export function headerColumns(model: TreeModel): string {
  return `  ${model.marks.map((m) => m.name.padStart(COLUMN_WIDTH)).join(' ')}  path`;
}

/** One plain line: symbol, size columns, guides and name. */
export function plainRow(model: TreeModel, r: Row): string {
  return `${symbolOf(model, r.node)} ${sizeColumns(model, r.node).join(' ')}  ${r.guide}${displayName(r.node)}`;
}
