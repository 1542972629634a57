// Which language a file is written in, and what it refers to.
import type { Lang, RawRef } from '../types.js';
import { scanNode } from './node.js';
import { scanPerl } from './perl.js';
import { scanPhp } from './php.js';
import { scanPython } from './python.js';
import { scanRuby } from './ruby.js';
import { scanShell } from './shell.js';
import { langOfProgram } from './lang.js';
import { isExample } from '../policy.js';

export { langOfProgram } from './lang.js';

/** Files larger than this are not scanned (generated bundles, data): their references are not followed. */
export const MAX_SCAN_BYTES = 2 << 20;

const BY_EXT: Record<string, Lang> = {
  py: 'python', js: 'node', mjs: 'node', cjs: 'node', rb: 'ruby', pl: 'perl', pm: 'perl', php: 'php', sh: 'shell', bash: 'shell',
};

/** Extensions of data and compiled files, names of package metadata and documents: never read as code, whoever opened them. */
const NOT_CODE = /\.(json|txt|csv|tsv|md|rst|html?|css|xml|ya?ml|toml|ini|cfg|conf|lock|map|svg|png|jpe?g|gif|ico|gz|bz2|xz|zst|zip|tar|jar|class|so(\.[\d.]+)?|a|o|pyc|pyo|node|wasm|mo|po|db|sqlite3?|bin|dat|pem|crt|key)$|^(PKG-INFO|METADATA|RECORD|WHEEL|INSTALLER|README|LICEN[CS]E|COPYING|NEWS|CHANGE(S|LOG)|AUTHORS)$/i;


/** What is known of a file, most trusted first: the interpreter that opened it in the trace, its `#!`. */
export interface LangHints {
  /** The language of the interpreter the traced run saw open the file. */
  openedBy?: Lang;
  /** The traced run read the file (a configuration it read names paths it uses). */
  readByRun?: boolean;
  shebang?: { interpreter: string; arg?: string };
}

/**
 * The language of a file: from the interpreter that opened it in the trace (unless its name
 * says it is data), then its `#!` interpreter (and `env` argument), then its extension; the
 * content decides last (`sniff`), only for a file none of those name.
 */
export function languageOf(path: string, hints: LangHints = {}, text?: string): Lang | undefined {
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (hints.openedBy && !NOT_CODE.test(base)) return hints.openedBy;
  if (isExample(base)) return undefined;
  const { shebang } = hints;
  if (shebang) {
    let prog = shebang.interpreter.slice(shebang.interpreter.lastIndexOf('/') + 1);
    if (prog === 'env' && shebang.arg) prog = shebang.arg.split(/\s+/).find((w) => w !== '' && !w.startsWith('-') && !w.includes('=')) ?? prog;
    const byProg = langOfProgram(prog);
    if (byProg) return byProg;
  }
  const dot = base.lastIndexOf('.');
  const byExt = dot > 0 ? BY_EXT[base.slice(dot + 1)] : undefined;
  if (byExt || text === undefined || NOT_CODE.test(base)) return byExt;
  return sniff(text);
}

/** A name that says the file is data or compiled, not code to read. */
export function isData(path: string): boolean {
  return NOT_CODE.test(path.slice(path.lastIndexOf('/') + 1));
}

/**
 * The language a text's own lines say, for a file nothing else names: a line only that
 * language writes (`module.exports`, `from x import y`, `use strict;`...). Undefined when unsure.
 */
export function sniff(text: string): Lang | undefined {
  const head = text.slice(0, 16 << 10);
  if (/^<\?php\b/m.test(head)) return 'php';
  if (/\bmodule\.exports\b|\brequire\(\s*['"][^'"]+['"]\s*\)|^\s*(import\s[^;\n]*\sfrom\s+['"]|export\s+(default|const|function|async)\b)/m.test(head)) return 'node';
  if (/^\s*from\s+[\w.]+\s+import\s+[\w*(]|^\s*def\s+\w+\s*\([^)]*\)\s*(->[^:]+)?:\s*$/m.test(head)) return 'python';
  if (/^\s*use\s+(strict|warnings)\s*;|^\s*package\s+[\w:]+\s*;/m.test(head)) return 'perl';
  if (/^\s*require(_relative)?\s+['"][^'"]+['"]\s*$|^\s*(class|module)\s+[A-Z]\w*(\s*<\s*[\w:]+)?\s*$/m.test(head) && /^\s*end\s*$/m.test(head)) return 'ruby';
  return undefined;
}

export function scan(lang: Lang, text: string): RawRef[] {
  switch (lang) {
    case 'python': return scanPython(text, scan);
    case 'node': return scanNode(text, scan);
    case 'ruby': return scanRuby(text, scan);
    case 'perl': return scanPerl(text, scan);
    case 'php': return scanPhp(text, scan);
    case 'shell': return scanShell(text, scan);
  }
}
