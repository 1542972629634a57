// /etc/ld.so.conf as ldconfig reads it: one dir per line (or comma/space separated),
// '#' comments, "include GLOB" lines relative to the including file, "hwcap" lines ignored.
import { posix } from 'node:path';
import { expandGlob } from '../image/glob.js';
import { resolvePath } from '../image/resolve-path.js';
import type { FileView } from '../image/view.js';

const MAX_DEPTH = 8;

export function readLdSoConf(view: FileView, confPath = '/etc/ld.so.conf'): string[] {
  const dirs: string[] = [];
  const seenFiles = new Set<string>();
  const visit = (file: string, depth: number) => {
    if (depth > MAX_DEPTH) return;
    const real = resolvePath(view, file).path;
    if (seenFiles.has(real)) return;
    seenFiles.add(real);
    const text = readWhole(view, file);
    if (text === undefined) return;
    for (const raw of text.split('\n')) {
      const line = raw.replace(/#.*/, '').trim();
      if (line === '') continue;
      const inc = /^include\s+(.+)$/.exec(line);
      if (inc) {
        for (const pat of inc[1]!.split(/\s+/)) {
          const abs = pat.startsWith('/') ? pat : posix.join(posix.dirname(file), pat);
          for (const f of expandGlob(view, abs) ?? []) visit(f, depth + 1);
        }
        continue;
      }
      if (/^hwcap\s/.test(line)) continue;
      for (const d of line.split(/[\s,:]+/)) {
        // "dir=TYPE" is an old libc5 syntax; the dir is the part before '='.
        const dir = posix.normalize(d.replace(/=.*$/, ''));
        if (dir.startsWith('/') && !dirs.includes(dir)) dirs.push(dir);
      }
    }
  };
  visit(confPath, 0);
  return dirs;
}

/**
 * The files readLdSoConf usually reads (the conf and what sits in /etc/ld.so.conf.d), for
 * fetching them ahead; includes elsewhere are read when met.
 */
export function ldSoConfFiles(index: { children(dir: string): Array<{ path: string }> }): string[] {
  return ['/etc/ld.so.conf', ...index.children('/etc/ld.so.conf.d').map((e) => e.path)];
}

/** Whole small file through the view, following symlinks; undefined when unreadable. */
export function readWhole(view: FileView, path: string, max = 1 << 20): string | undefined {
  const r = resolvePath(view, path);
  if (!r.stat || r.stat.type !== 'file') return undefined;
  try {
    return view.read(r.path, 0, Math.min(r.stat.size, max)).toString('utf8');
  } catch {
    return undefined;
  }
}
