// Path lookups through the image's own index: symlinks (absolute, relative, chains, merged
// /usr) resolved component by component the way the kernel does, loop-safe.
import type { FsEntry, FsIndex } from '../image/types.js';

const MAX_LINKS = 40; // the kernel's limit

export function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

export function joinPath(dir: string, name: string): string {
  if (name.startsWith('/')) return normalize(name);
  return normalize(dir === '/' ? `/${name}` : `${dir}/${name}`);
}

/** Lexical normalisation: absolute, no ".", "..", "//" or trailing "/". */
export function normalize(p: string): string {
  const out: string[] = [];
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') out.pop();
    else out.push(c);
  }
  return '/' + out.join('/');
}

export type Step =
  | { role: 'dir'; path: string; entry: FsEntry }
  | { role: 'link'; path: string; entry: FsEntry; /** the last component of the path asked */ last: boolean }
  | { role: 'final'; path: string; entry: FsEntry };

/**
 * Walks `path` through the index, reporting every existing entry met: directories on the way,
 * symlinks followed, and the final entry. Returns the resolved path, or undefined when some
 * component is missing (the steps up to there were still reported).
 */
export function walk(index: FsIndex, path: string, onStep: (s: Step) => void, followFinal = true): string | undefined {
  let comps = path.split('/').filter((c) => c !== '' && c !== '.');
  let cur = '';
  let hops = 0;
  while (comps.length > 0) {
    const c = comps.shift()!;
    if (c === '..') { cur = cur === '' ? '' : dirname(cur) === '/' ? '' : dirname(cur); continue; }
    const next = `${cur}/${c}`;
    const e = index.get(next);
    if (!e) return undefined;
    if (e.type === 'symlink' && (comps.length > 0 || followFinal)) {
      onStep({ role: 'link', path: next, entry: e, last: comps.length === 0 });
      if (++hops > MAX_LINKS) return undefined;
      const target = e.linkname ?? '';
      if (target.startsWith('/')) cur = '';
      comps = target.split('/').filter((x) => x !== '' && x !== '.').concat(comps);
      continue;
    }
    if (comps.length > 0) {
      if (e.type !== 'dir') return undefined; // ENOTDIR
      onStep({ role: 'dir', path: next, entry: e });
    } else onStep({ role: 'final', path: next, entry: e });
    cur = next;
  }
  if (cur === '') {
    const root = index.get('/');
    if (root) onStep({ role: 'final', path: '/', entry: root });
    return '/';
  }
  return cur;
}

/** Resolves without reporting. */
export function resolvePath(index: FsIndex, path: string): string | undefined {
  return walk(index, path, () => {});
}

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function envValue(env: readonly string[] | null | undefined, name: string): string | undefined {
  for (const kv of env ?? []) if (kv.startsWith(name + '=')) return kv.slice(name.length + 1);
  return undefined;
}

/** The first `dir/name` on PATH that resolves to an executable regular file. */
export function lookPath(index: FsIndex, name: string, pathVar: string | undefined, cwd = '/'): string | undefined {
  if (name.includes('/')) return joinPath(cwd, name);
  for (const dir of (pathVar ?? DEFAULT_PATH).split(':')) {
    const cand = joinPath(dir === '' ? cwd : joinPath(cwd, dir), name);
    const real = resolvePath(index, cand);
    const e = real ? index.get(real) : undefined;
    if (e && (e.type === 'file' || e.type === 'hardlink') && (e.mode & 0o111) !== 0) return cand;
  }
  return undefined;
}
