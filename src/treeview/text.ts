// The tree as plain text (pipes, logs, CI; the interactive view's fallback off a terminal):
// every folder open down to `depth`, no escape codes.
import { headerColumns, plainRow, visibleRows } from './rows.js';
import type { TreeFilter, TreeModel } from './tree.js';

export function renderTreeText(model: TreeModel, opts: { filter?: TreeFilter; depth?: number } = {}): string {
  const rows = visibleRows(model, opts.filter ?? {}, () => true, opts.depth ?? Infinity);
  const legend = model.marks.map((m) => `${m.symbol} ${m.name}`).join(', ');
  return [model.title, ...model.summary, `(${legend})`, '', headerColumns(model), ...rows.map((r) => plainRow(model, r))].join('\n') + '\n';
}
