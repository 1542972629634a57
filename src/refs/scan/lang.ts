// The language an interpreter program runs, by its name.
import type { Lang } from '../types.js';

export function langOfProgram(prog: string): Lang | undefined {
  if (/^python[\d.]*$/.test(prog)) return 'python';
  if (/^(node|nodejs)$/.test(prog)) return 'node';
  if (/^ruby[\d.]*$/.test(prog)) return 'ruby';
  if (/^perl[\d.]*$/.test(prog)) return 'perl';
  if (/^php[\d.]*(-cli|-cgi)?$/.test(prog)) return 'php';
  if (/^(sh|bash|dash|ash|ksh|mksh|zsh|busybox)$/.test(prog)) return 'shell';
  return undefined;
}
