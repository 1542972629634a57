// Plain-text rendering: aligned columns, no escape codes (for pipes, logs and CI).
import type { XrayReport } from './report.js';
import { buildSections, type Section } from './sections.js';

export function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i] - [...c].length))).join('  ').trimEnd());
}

function renderSection(s: Section): string {
  const lines = [`== ${s.title}`];
  const body = s.header ? s.rows.slice(1) : s.rows;
  if (body.length === 0) lines.push(`  ${s.empty ?? ''}`.trimEnd());
  else lines.push(...table(s.rows).map((l) => `  ${l}`));
  return lines.join('\n');
}

export function renderText(r: XrayReport, opts: { width?: number } = {}): string {
  return buildSections(r, opts).map(renderSection).join('\n\n') + '\n';
}
