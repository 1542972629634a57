// Paths inside an image: absolute, "/"-separated, no trailing "/" (the root is "/"). Lexical
// only; names from archives are made so by normalizePath (src/tar), symlinks are resolved by
// src/elf's resolvePath over a view of the files (the host, or src/image/overlay's tree), and
// normalize and joinPath below join and normalise relative paths given by users or code.

/** The directory holding `p` ("/" for "/x" and for "/" itself). */
export function parentPath(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

/** The directories above `p`, nearest first, ending with "/" (none for "/" itself). */
export function* ancestors(p: string): Generator<string> {
  for (let q = p; q !== '/'; ) {
    q = parentPath(q);
    yield q;
  }
}

/** `name` (one component) inside `dir`. */
export function childPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/** The last component ("" for "/"). */
export function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** The components, without empty ones and ".". */
export function splitPath(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

/** Path order where "/" sorts first, so a directory's subtree is contiguous. */
export function comparePaths(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) {
      if (ca === 47) return -1;
      if (cb === 47) return 1;
      return ca - cb;
    }
  }
  return a.length - b.length;
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

/** `name` (absolute, or relative with any number of components) from `dir`, normalised. */
export function joinPath(dir: string, name: string): string {
  if (name.startsWith('/')) return normalize(name);
  return normalize(dir === '/' ? `/${name}` : `${dir}/${name}`);
}

/** The PATH a container gets when its image sets none (docker's default). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** NAME's value in an image's environment (["K=V", ...]). */
export function envValue(env: readonly string[] | null | undefined, name: string): string | undefined {
  for (const kv of env ?? []) if (kv.startsWith(name + '=')) return kv.slice(name.length + 1);
  return undefined;
}
