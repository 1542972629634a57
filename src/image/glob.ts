// Glob patterns over any FileView (the host, an image's merged layers), expanded component by
// component as glob(3) and the shell do: '*', '?', '[...]' ('[!...]' negated) within a
// component, '**' for any depth, names starting with '.' only when the component does, sorted.
import { posix } from 'node:path';
import { resolvePath } from './resolve-path.js';
import type { FileView } from './view.js';

/** The existing paths `pattern` matches, or undefined when there are more than `limit`. */
export function expandGlob(view: FileView, pattern: string, limit = Infinity): string[] | undefined {
  let paths = ['/'];
  for (const comp of pattern.split('/').filter((c) => c !== '')) {
    const next: string[] = [];
    for (const base of paths) {
      if (comp === '**') {
        for (const d of dirsUnder(view, base, limit)) next.push(d);
        continue;
      }
      if (!/[*?[]/.test(comp)) {
        next.push(posix.join(base, comp));
        continue;
      }
      if (!view.listDir) continue;
      const re = globToRegExp(comp);
      const dir = resolvePath(view, base).path;
      for (const name of [...view.listDir(dir)].sort()) {
        if (re.test(name) && !(name.startsWith('.') && !comp.startsWith('.'))) next.push(posix.join(base, name));
      }
    }
    if (next.length > limit) return undefined;
    paths = next;
  }
  return paths.filter((p) => p !== '/' && resolvePath(view, p).stat !== undefined);
}

/** `base` and every directory below it (not through dot directories), at most `limit` + 1. */
function dirsUnder(view: FileView, base: string, limit: number): string[] {
  const out: string[] = [];
  const stack = [base];
  while (stack.length && out.length <= limit) {
    const d = stack.pop()!;
    out.push(d);
    const real = resolvePath(view, d);
    if (real.stat?.type !== 'dir' || !view.listDir) continue;
    for (const name of view.listDir(real.path)) {
      const p = posix.join(d, name);
      if (!name.startsWith('.') && resolvePath(view, p).stat?.type === 'dir') stack.push(p);
    }
  }
  return out;
}

/** One component's pattern as a regex. */
function globToRegExp(g: string): RegExp {
  let re = '';
  for (let i = 0; i < g.length; i++) {
    const c = g[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = g.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let body = g.slice(i + 1, end);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += '[' + body.replace(/\\/g, '\\\\') + ']';
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
