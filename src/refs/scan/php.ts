// PHP: include / require (_once) of literal files, relative to __DIR__ or the include path,
// programs run through exec/system/shell_exec/backticks, and absolute paths named as literals.
import { lex, lineCounter, STR, stringAt, type Lexed } from '../lex.js';
import type { RawRef } from '../types.js';
import { pathLiterals, shellLine } from './literals.js';
import type { Embedded } from './shell.js';

/** The file's own directory as PHP writes it. */
const FILE_DIR = String.raw`__DIR__|dirname\s*\(\s*__FILE__\s*\)`;

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
  const dirExpr = `(${FILE_DIR})\\s*\\.\\s*`;
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
  out.push(...besideTheFile(l, code, lineOf, new Set(out.map((r) => r.name))));
  for (const s of l.strings) if (s.quote === '`') out.push(...shellLine(s.value, s.dynamic, s.line, 'backtick', embedded));
  for (const m of code.matchAll(new RegExp(`\\b(?:exec|shell_exec|system|passthru|popen|proc_open)\\s*\\(\\s*${STR}`, 'g'))) {
    const s = stringAt(l, m[1]);
    if (s) out.push(...shellLine(s.value, s.dynamic, lineOf(m.index!), 'exec', embedded));
  }
  out.push(...pathLiterals('php', l.strings.filter((s) => s.quote !== '`')));
  return out;
}

/**
 * Paths beside the file: `__DIR__ . '/..' . '/symfony/console/Application.php'` anywhere (Composer's
 * class map and PSR-4 dirs in autoload_static.php, templates, data), and in a file that includes
 * a path built from its own directory and a variable (`require __DIR__ . $classes[$cn]`: Debian's
 * generated autoloaders), each string naming a .php file there ('/Environment.php').
 */
function besideTheFile(l: Lexed, code: string, lineOf: (at: number) => number, included: ReadonlySet<string>): RawRef[] {
  const out: RawRef[] = [];
  const add = (rel: string, line: number, how: string) => {
    const clean = rel.replace(/^\/+/, '');
    const name = `\${__DIR__}/${clean}`;
    if (included.has(`__DIR__/${clean}`)) return; // an include of it, read as one
    if (!out.some((r) => r.name === name)) out.push({ lang: 'php', kind: 'unit', name, line, how, ifPresent: true });
  };
  const dir = `(?:${FILE_DIR})`;
  for (const m of code.matchAll(new RegExp(`${dir}((?:\\s*\\.\\s*${STR})+)`, 'g'))) {
    const parts = [...m[1]!.matchAll(new RegExp(STR, 'g'))].map((p) => stringAt(l, p[1]));
    const known: string[] = [];
    for (const p of parts) {
      if (!p) break;
      known.push(p.value);
      if (p.dynamic) break;
    }
    let rel = known.join('');
    if (parts.some((p) => !p || p.dynamic)) rel = rel.slice(0, rel.lastIndexOf('/') + 1); // "/lang/$x.php": its directory
    if (rel.replace(/[/.]/g, '') !== '') add(rel, lineOf(m.index!), 'beside the file');
  }
  if (new RegExp(`\\b(?:include|require)(?:_once)?\\b\\s*\\(?\\s*${dir}\\s*\\.\\s*\\$`).test(code)) {
    for (const s of l.strings) if (!s.dynamic && /^\/[\w./-]+\.php$/.test(s.value)) add(s.value, s.line, 'class map beside the file');
  }
  return out;
}