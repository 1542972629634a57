// References every language shares: absolute paths named as string literals, and what a
// command line handed to a shell runs.
import { STR, type Lexed, type LexString } from '../lex.js';
import type { Lang, RawRef } from '../types.js';
import { GLOB_PATH } from './glob.js';
import { CATALOG_MIN } from '../policy.js';
import { scanShell, type Embedded } from './shell.js';

/** A literal that is plausibly an absolute path (no spaces, globs or shell syntax). */
const ABS_PATH = /^\/[\w.@+,:=~%-]*(?:\/[\w.@+,:=~%-]*)*$/;

/** A time zone name ("America/Lima"): code that names one will read the time zone database. */
const ZONE = /^(Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc|US|Canada|Brazil|Mexico|Chile)\/[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)?$/;

/**
 * Module names written as strings (a package's table of its modules, settings naming classes,
 * a backend chosen by name): each string `name` matches is an import when such a module is
 * there (`ifPresent`), once, and never again for a name the file already imports; all of them
 * a catalog's when the file writes more than CATALOG_MIN. Not a backtick string: a shell line
 * in Perl and Ruby, a template in JavaScript.
 */
export function namedInStrings(lang: Lang, strings: readonly LexString[], name: RegExp, how: string, refs: readonly RawRef[]): RawRef[] {
  const imported = new Set(refs.filter((r) => r.kind === 'import').map((r) => r.name));
  const out = new Map<string, RawRef>();
  let written = 0;
  for (const s of strings) {
    if (s.dynamic || s.quote === '`' || !name.test(s.value) || imported.has(s.value)) continue;
    written++;
    if (!out.has(s.value)) out.set(s.value, { lang, kind: 'import', name: s.value, line: s.line, how, ifPresent: true });
  }
  const named = [...out.values()];
  if (written > CATALOG_MIN) for (const r of named) r.catalog = true;
  return named;
}

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
      } else if (s.value.length < 1024 && GLOB_PATH.test(s.value)) {
        out.push({ lang, kind: 'path', name: s.value, line: s.line, how: 'glob' });
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
 * whole word before its first interpolation. `embedded` reads the code given to an interpreter
 * on the line (`python3 -c '...'`): the language scanners pass the dispatcher down.
 */
export function shellLine(value: string, dynamic: boolean, line: number, how: string, embedded?: Embedded): RawRef[] {
  let text = value;
  if (dynamic) {
    const cut = Math.max(text.lastIndexOf(' '), text.lastIndexOf('\t'), text.lastIndexOf('|'), text.lastIndexOf(';'), text.lastIndexOf('&'));
    text = text.slice(0, cut + 1);
  }
  if (text.trim() === '') return [];
  return scanShell(text, embedded).map((r) => ({ ...r, line: line + r.line - 1, how: r.kind === 'command' ? how : `${how}: ${r.how}` }));
}

/** One argument that is a plain string literal (the lexer's placeholder). */
const LITERAL_ITEM = new RegExp(`^${STR}$`);

/**
 * What an argument vector handed to a process-spawning call runs, read as the command line it
 * is (`["python3", "-m", "json.tool"]`, `spawn(process.execPath, ["-e", code])`,
 * `system("sh", "-c", "gzip -d x")`): an interpreter's `-m`/`-c`/`-e`/`-r` and a shell's `-c`
 * script count, as on a shell line. `items` is the code of the comma-separated arguments
 * (strings as the lexer's placeholders); `self` matches the expression for the running
 * interpreter (`sys.executable`), read as `interpreter`. Only the leading literal arguments are
 * read; the program itself is left to the caller (refs of it are dropped here).
 */
export function argvLine(l: Lexed, items: string, line: number, how: string, self?: { match: RegExp; interpreter: string }, embedded?: Embedded): RawRef[] {
  const words: string[] = [];
  for (const item of items.split(',').map((x) => x.trim())) {
    const lit = LITERAL_ITEM.exec(item);
    const s = lit ? l.strings[Number(lit[1])] : undefined;
    if (s && !s.dynamic) words.push(s.value);
    else if (words.length === 0 && self?.match.test(item)) words.push(self.interpreter);
    else break;
  }
  if (words.length < 2 || words.join('').includes('\0')) return [];
  const quoted = words.map((w) => (/^[\w./@%+=:,-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
  return shellLine(quoted, false, line, how, embedded).filter((r) => !(r.kind === 'command' && r.name === words[0]));
}
