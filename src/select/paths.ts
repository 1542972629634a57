// Lexical path helpers and PATH lookups through the image (symlinks are resolved by
// src/elf's resolvePath, over the index as a FileView).
import { resolvePath } from '../elf/index.js';
import type { FileView } from '../elf/index.js';
import { DEFAULT_PATH, joinPath } from '../util/paths.js';

export { DEFAULT_PATH, envValue, joinPath, normalize } from '../util/paths.js';

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
