// PHP: include / require (_once) of literal files, relative to __DIR__ or the include path,
// programs run through exec/system/shell_exec/backticks, and absolute paths named as literals.
import { lex, lineCounter, STR, stringAt } from '../lex.js';
import type { RawRef } from '../types.js';
import { pathLiterals, shellLine } from './literals.js';
import type { Embedded } from './shell.js';

const SPEC = {
  lineComments: ['//', '#'], blockComments: [['/*', '*/']] as Array<[string, string]>, quotes: ["'", '"', '`'],
  interpolation: { quote: '"', start: /^\$\w|^\{\$/ },
};

/** Only what is between <?php and ?> is code; the rest (HTML) is blanked, lines kept. */
function phpOnly(text: string): string {
  let out = '';
  let i = 0;
  for (;;) {
    const open = text.indexOf('<?', i);
    const html = text.slice(i, open < 0 ? text.length : open);
    out += html.replace(/[^\n]/g, ' ');
    if (open < 0) return out;
    const start = text.startsWith('<?php', open) ? open + 5 : text.startsWith('<?=', open) ? open + 3 : open + 2;
    out += ' '.repeat(start - open);
    const close = text.indexOf('?>', start);
    out += text.slice(start, close < 0 ? text.length : close);
    if (close < 0) return out;
    out += '  ';
    i = close + 2;
  }
}

export function scanPhp(text: string, embedded?: Embedded): RawRef[] {
  const l = lex(phpOnly(text), SPEC);
  const code = l.code;
  const lineOf = lineCounter(code);
  const out: RawRef[] = [];
  const ref = (r: Omit<RawRef, 'lang'>) => out.push({ lang: 'php', ...r });
  const dirExpr = String.raw`(__DIR__|dirname\s*\(\s*__FILE__\s*\))\s*\.\s*`;
  const re = new RegExp(`\\b(include_once|include|require_once|require)\\b\\s*\\(?\\s*(?:${dirExpr})?${STR}\\s*(\\.)?`, 'g');
  for (const m of code.matchAll(re)) {
    const s = stringAt(l, m[3]);
    if (!s) continue;
    const line = lineOf(m.index!);
    const rel = m[2] ? '__DIR__' : '';
    const value = rel ? `__DIR__/${s.value.replace(/^\/+/, '')}` : s.value;
    if (s.dynamic || m[4]) {
      const prefix = value.slice(0, value.lastIndexOf('/') + 1);
      if (prefix !== '') ref({ kind: 'unit', name: prefix, line, how: m[1]! });
    } else ref({ kind: 'import', name: value, line, how: m[1]! });
  }
  for (const s of l.strings) if (s.quote === '`') out.push(...shellLine(s.value, s.dynamic, s.line, 'backtick', embedded));
  for (const m of code.matchAll(new RegExp(`\\b(?:exec|shell_exec|system|passthru|popen|proc_open)\\s*\\(\\s*${STR}`, 'g'))) {
    const s = stringAt(l, m[1]);
    if (s) out.push(...shellLine(s.value, s.dynamic, lineOf(m.index!), 'exec', embedded));
  }
  out.push(...pathLiterals('php', l.strings.filter((s) => s.quote !== '`')));
  return out;
}
