// What a glob pattern (`/usr/lib/app/plugins/*.rb`, `/etc/app/**/*.conf`) matches in a
// filesystem, segment by segment as the shell and the languages' glob functions expand it.
import { Fs, join } from './context.js';

/** At most this many matches: a pattern that matches more names no specific files. */
export const GLOB_LIMIT = 2_000;

/** The paths `pattern` matches, or undefined when it matches more than GLOB_LIMIT. */
export function globMatches(fs: Fs, pattern: string): string[] | undefined {
  let current = ['/'];
  for (const seg of pattern.split('/').filter((s) => s !== '')) {
    const next: string[] = [];
    if (seg === '**') { // any depth, this one included
      const stack = [...current];
      while (stack.length) {
        const d = stack.pop()!;
        next.push(d);
        if (next.length > GLOB_LIMIT) return undefined;
        for (const n of fs.list(d)) if (fs.isDir(join(d, n))) stack.push(join(d, n));
      }
    } else if (!/[*?[]/.test(seg)) {
      for (const d of current) if (fs.stat(join(d, seg))) next.push(join(d, seg));
    } else {
      const re = segmentRegex(seg);
      for (const d of current) for (const n of fs.list(d)) if (re.test(n) && !(n.startsWith('.') && !seg.startsWith('.'))) next.push(join(d, n));
    }
    if (next.length > GLOB_LIMIT) return undefined;
    current = next;
  }
  return current.filter((p) => p !== '/');
}

/** One segment's pattern as a regex: `*`, `?`, `[abc]`, `[!abc]`. */
function segmentRegex(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = seg.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        const body = seg.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
