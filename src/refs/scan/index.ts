// Which language a file is written in, and what it refers to.
import type { Lang, RawRef } from '../types.js';
import { scanNode } from './node.js';
import { scanPerl } from './perl.js';
import { scanPhp } from './php.js';
import { scanPython } from './python.js';
import { scanRuby } from './ruby.js';
import { scanShell } from './shell.js';

/** Files larger than this are not scanned (generated bundles, data): their references are not followed. */
export const MAX_SCAN_BYTES = 2 << 20;

const BY_EXT: Record<string, Lang> = {
  py: 'python', js: 'node', mjs: 'node', cjs: 'node', rb: 'ruby', pl: 'perl', pm: 'perl', php: 'php', sh: 'shell', bash: 'shell',
};

/** The language of a file from its name, or from its `#!` interpreter (and `env` argument). */
export function languageOf(path: string, shebang?: { interpreter: string; arg?: string }): Lang | undefined {
  if (shebang) {
    let prog = shebang.interpreter.slice(shebang.interpreter.lastIndexOf('/') + 1);
    if (prog === 'env' && shebang.arg) prog = shebang.arg.split(/\s+/).find((w) => w !== '' && !w.startsWith('-') && !w.includes('=')) ?? prog;
    const byProg = langOfProgram(prog);
    if (byProg) return byProg;
  }
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? BY_EXT[base.slice(dot + 1)] : undefined;
}

export function langOfProgram(prog: string): Lang | undefined {
  if (/^python[\d.]*$/.test(prog)) return 'python';
  if (/^(node|nodejs)$/.test(prog)) return 'node';
  if (/^ruby[\d.]*$/.test(prog)) return 'ruby';
  if (/^perl[\d.]*$/.test(prog)) return 'perl';
  if (/^php[\d.]*(-cli|-cgi)?$/.test(prog)) return 'php';
  if (/^(sh|bash|dash|ash|ksh|mksh|zsh|busybox)$/.test(prog)) return 'shell';
  return undefined;
}

export function scan(lang: Lang, text: string): RawRef[] {
  switch (lang) {
    case 'python': return scanPython(text);
    case 'node': return scanNode(text);
    case 'ruby': return scanRuby(text);
    case 'perl': return scanPerl(text);
    case 'php': return scanPhp(text);
    case 'shell': return scanShell(text);
  }
}
