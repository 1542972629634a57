// References every language shares: absolute paths named as string literals, and what a
// command line handed to a shell runs.
import type { LexString } from '../lex.js';
import type { Lang, RawRef } from '../types.js';
import { scanShell } from './shell.js';

/** A literal that is plausibly an absolute path (no spaces, globs or shell syntax). */
const ABS_PATH = /^\/[\w.@+,:=~%-]*(?:\/[\w.@+,:=~%-]*)*$/;

/** A time zone name ("America/Lima"): code that names one will read the time zone database. */
const ZONE = /^(Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc|US|Canada|Brazil|Mexico|Chile)\/[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)?$/;

/**
 * Path refs for the string literals that name absolute paths (an interpolated one names its
 * directory prefix), and for time zone names (as their file in the time zone database).
 */
export function pathLiterals(lang: Lang, strings: readonly LexString[]): RawRef[] {
  const out: RawRef[] = [];
  for (const s of strings) {
    if (!s.dynamic && ZONE.test(s.value)) {
      out.push({ lang, kind: 'path', name: `/usr/share/zoneinfo/${s.value}`, line: s.line, how: 'time zone' });
      continue;
    }
    if (!s.dynamic) {
      if (s.value.length > 1 && s.value.length < 1024 && ABS_PATH.test(s.value)) {
        out.push({ lang, kind: 'path', name: s.value, line: s.line, how: 'literal' });
      }
      continue;
    }
    const dir = s.value.slice(0, s.value.lastIndexOf('/') + 1);
    if (dir.length > 1 && ABS_PATH.test(dir.slice(0, -1))) out.push({ lang, kind: 'unit', name: dir, line: s.line, how: 'literal' });
  }
  return out;
}

/**
 * What a string handed to a shell runs and names (backticks, `system("...")`, `popen`,
 * `shell_exec`, `child_process.exec`): it is shell code, so every command of it counts (each
 * stage of a pipeline, after `;`, `&&`, `||`, inside `$(...)`), with its redirect targets and
 * paths, not only its first word. `how` says how the code handed it over; the refs are the
 * shell's, on the line of the string. An interpolated string (`dynamic`) is read up to the last
 * whole word before its first interpolation.
 */
export function shellLine(value: string, dynamic: boolean, line: number, how: string): RawRef[] {
  let text = value;
  if (dynamic) {
    const cut = Math.max(text.lastIndexOf(' '), text.lastIndexOf('\t'), text.lastIndexOf('|'), text.lastIndexOf(';'), text.lastIndexOf('&'));
    text = text.slice(0, cut + 1);
  }
  if (text.trim() === '') return [];
  return scanShell(text).map((r) => ({ ...r, line: line + r.line - 1, how: r.kind === 'command' ? how : `${how}: ${r.how}` }));
}
