// Path globs for --include-path / --exclude: `**` crosses directories, `*` and `?` do not.
// A glob that names a directory also matches everything below it.

export function globToRegExp(glob: string): RegExp {
  let g = glob.trim();
  if (!g.startsWith('/')) g = '/' + g;
  while (g.length > 1 && g.endsWith('/')) g = g.slice(0, -1);
  let re = '';
  for (let i = 0; i < g.length; i++) {
    const c = g[i];
    if (c === '*') {
      if (g[i + 1] === '*') {
        i++;
        // "**/" may also match no directory at all: /a/**/b matches /a/b
        if (g[i + 1] === '/') { re += '(?:.*/)?'; i++; } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  if (g === '/') return /^\/.*$/s;
  return new RegExp(`^${re}(?:/.*)?$`, 's');
}

export function compileGlobs(globs: readonly string[] | undefined): (path: string) => string | undefined {
  const res = (globs ?? []).filter((g) => g.trim() !== '').map((g) => [g, globToRegExp(g)] as const);
  return (path) => {
    for (const [g, re] of res) if (re.test(path)) return g;
    return undefined;
  };
}
