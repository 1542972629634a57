// Lexical path helpers and PATH lookups through the image (symlinks are resolved by
// src/elf's resolvePath, over the index as a FileView).
import { resolvePath } from '../elf/index.js';
import type { FileView } from '../elf/index.js';
import { joinPath } from '../util/paths.js';

export { joinPath, normalize } from '../util/paths.js';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function envValue(env: readonly string[] | null | undefined, name: string): string | undefined {
  for (const kv of env ?? []) if (kv.startsWith(name + '=')) return kv.slice(name.length + 1);
  return undefined;
}

/** The first `dir/name` on PATH that resolves to an executable regular file. */
export function lookPath(view: FileView, name: string, pathVar: string | undefined, cwd = '/'): string | undefined {
  if (name.includes('/')) return joinPath(cwd, name);
  for (const dir of (pathVar ?? DEFAULT_PATH).split(':')) {
    const cand = joinPath(dir === '' ? cwd : joinPath(cwd, dir), name);
    const st = resolvePath(view, cand).stat;
    if (st?.type === 'file' && ((st.mode ?? 0) & 0o111) !== 0) return cand;
  }
  return undefined;
}
