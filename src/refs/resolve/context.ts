// What resolving a reference needs to know of the filesystem it lives in (an image through
// its index, or the host): lookups that follow symlinks, directory listings, small reads,
// and the environment the program runs with.
import { resolvePath } from '../../elf/index.js';
import type { FileStat, FileView } from '../../elf/index.js';
import { joinPath as join, normalize } from '../../util/paths.js';

export { envValue as envOf, joinPath as join, parentPath as dirname, normalize } from '../../util/paths.js';

export interface RefEnv {
  view: FileView;
  /** The program's environment (the image config's Env). */
  env: readonly string[];
  /** Its working directory. */
  workdir: string;
  /** Paths the traced run touched (used to find search roots such as a venv's site-packages). */
  traced?: readonly string[];
  /** The loader's configured library dirs (ld.so.conf), for libraries loaded by name. */
  ldSoConfDirs?: readonly string[];
}

/** One thing to keep for a reference: a path (through its links), or a whole directory. */
export interface Target {
  path: string;
  subtree?: boolean;
}

export interface Resolution {
  targets: Target[];
  /** Why nothing was found (the reference is reported, the build goes on). */
  unresolved?: string;
}

export const none = (why?: string): Resolution => (why ? { targets: [], unresolved: why } : { targets: [] });

export class Fs {
  private readonly stats = new Map<string, FileStat | undefined>();
  private readonly lists = new Map<string, string[]>();
  private readonly memos = new Map<string, Map<string, unknown>>();
  constructor(readonly view: FileView) {}

  /** What `compute` finds for `key`, once per filesystem (`kind` keeps callers' keys apart). */
  memo<T>(kind: string, key: string, compute: () => T): T {
    let m = this.memos.get(kind);
    if (!m) this.memos.set(kind, (m = new Map()));
    if (m.has(key)) return m.get(key) as T;
    const v = compute();
    m.set(key, v);
    return v;
  }

  /** Stat through symlinks. */
  stat(path: string): FileStat | undefined {
    if (this.stats.has(path)) return this.stats.get(path);
    const st = resolvePath(this.view, path).stat;
    this.stats.set(path, st);
    return st;
  }
  isFile(path: string): boolean {
    return this.stat(path)?.type === 'file';
  }
  isDir(path: string): boolean {
    return this.stat(path)?.type === 'dir';
  }
  list(dir: string): string[] {
    let l = this.lists.get(dir);
    if (!l) {
      const real = resolvePath(this.view, dir);
      l = real.stat?.type === 'dir' ? (this.view.listDir?.(real.path) ?? []) : [];
      this.lists.set(dir, l);
    }
    return l;
  }
  /** Up to `max` bytes of a file as text, or undefined. */
  text(path: string, max = 1 << 20): string | undefined {
    const r = resolvePath(this.view, path);
    if (r.stat?.type !== 'file') return undefined;
    try {
      return this.view.read(r.path, 0, Math.min(max, r.stat.size)).toString('utf8');
    } catch {
      return undefined;
    }
  }
  /** `dir`'s children matching `re`, as full paths. */
  glob(dir: string, re: RegExp): string[] {
    return this.list(dir).filter((n) => re.test(n)).map((n) => join(dir, n));
  }
}


/** Directories too broad to keep whole because code named them (a unit is never one of these). */
export function isBroad(dir: string): boolean {
  const d = normalize(dir);
  const depth = d === '/' ? 0 : d.split('/').length - 1;
  if (depth <= 1) return true;
  if (/^\/usr\/(lib|lib32|lib64|libexec|share|local|bin|sbin|include|src|games)$/.test(d)) return true;
  if (/^\/usr\/local\/(lib|share|bin|sbin|include|src|etc)$/.test(d)) return true;
  if (/^\/(usr\/)?lib\/[^/]+-linux-[^/]+$/.test(d)) return true;
  if (/^\/var\/(lib|cache|log|spool|tmp|run|mail|backups)$/.test(d)) return true;
  // documentation: read by people, never by the program (a build configuration names these)
  if (/^\/usr(\/local)?\/share\/(man|doc|info|lintian|bug|doc-base|common-licenses)(\/|$)/.test(d)) return true;
  // hierarchies every package adds to (a script's TEXTDOMAINDIR=/usr/share/locale): the program
  // reads its own file there, found by its own name, never the whole
  if (/^\/usr(\/local)?\/share\/(locale|i18n|icons|fonts|mime|applications|pixmaps|themes|sounds|X11|misc|pkgconfig|aclocal|bash-completion)$/.test(d)) return true;
  return false;
}
