// Symlink resolution over a FileView that remembers every link on the way, because an image
// that keeps only the final file breaks every path that reached it through a link.
import { posix } from 'node:path';
import type { FileStat, FileView } from './view.js';

/** Linux's limit on symlinks followed in one lookup (MAXSYMLINKS). */
const MAX_LINKS = 40;
const ROOT: FileStat = { type: 'dir', size: 0 };

export interface ResolvedPath {
  /** The input path made real: no component is a symlink (best effort when `error` is set). */
  path: string;
  /** Every symlink traversed, in order, each named by its own real location. */
  links: string[];
  /** Stat of the final path; undefined when it does not resolve. */
  stat?: FileStat;
  error?: 'missing' | 'loop' | 'notdir';
}

/** An existing entry a lookup met: a directory walked through, a symlink followed, the final entry. */
export type PathStep =
  | { role: 'dir'; path: string; stat: FileStat }
  | { role: 'link'; path: string; stat: FileStat; /** the last component of the path being walked */ last: boolean }
  | { role: 'final'; path: string; stat: FileStat };

/**
 * Resolves `path` the way the kernel does, component by component. `onStep` hears of every
 * existing entry met, in order, also when the path does not resolve (up to where it failed).
 */
export function resolvePath(view: FileView, path: string, onStep?: (s: PathStep) => void): ResolvedPath {
  // The root always exists, even in an index that has no entry for it.
  const lstat = (p: string) => view.lstat(p) ?? (p === '/' ? ROOT : undefined);
  const links: string[] = [];
  const pending = split(path);
  let current = '/';
  let stat: FileStat | undefined = lstat('/');
  let followed = 0;
  while (pending.length > 0) {
    const comp = pending.shift()!;
    if (comp === '..') {
      current = posix.dirname(current);
      stat = lstat(current);
      continue;
    }
    if (stat && stat.type !== 'dir') {
      return { path: posix.join(current, comp, ...pending), links, error: 'notdir' };
    }
    const next = current === '/' ? `/${comp}` : `${current}/${comp}`;
    const st = view.lstat(next);
    if (!st) return { path: posix.join(next, ...pending), links, error: 'missing' };
    if (st.type === 'symlink') {
      onStep?.({ role: 'link', path: next, stat: st, last: pending.length === 0 });
      if (++followed > MAX_LINKS) return { path: posix.join(next, ...pending), links, error: 'loop' };
      if (!links.includes(next)) links.push(next);
      const target = st.linkname ?? '';
      if (target.startsWith('/')) current = '/';
      pending.unshift(...split(target));
      stat = lstat(current);
      continue;
    }
    if (pending.length > 0 && st.type === 'dir') onStep?.({ role: 'dir', path: next, stat: st });
    current = next;
    stat = st;
  }
  if (stat) onStep?.({ role: 'final', path: current, stat });
  return stat ? { path: current, links, stat } : { path: current, links, error: 'missing' };
}

function split(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}
