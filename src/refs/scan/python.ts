// Python: every import statement anywhere in a file (inside functions, try blocks, if
// branches), importlib.import_module / __import__ with literal names, programs run through
// subprocess/os, and absolute paths named as literals.
import { lex, lineCounter, STR, stringAt } from '../lex.js';
import type { Lexed, LexString } from '../lex.js';
import type { RawRef } from '../types.js';
import { argvLine, namedInStrings, pathLiterals, shellLine } from './literals.js';
import type { Embedded } from './shell.js';

const SPEC = { lineComments: ['#'], quotes: ["'", '"'], triple: true, prefixes: true };
const DOTTED = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$/;
/**
 * A string that may name a module, or an attribute of one: two or more dotted identifiers
 * ('global.dat' too: no module has that name, so it keeps nothing).
 */
const MODULE_STRING = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$/;
/** A dotted package name, then a placeholder for the module ('%s', '%(lang)s', '{}', '{name}'). */
const MODULE_TEMPLATE = /^([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\.(?:%s|%\(\w+\)s|\{\w*\})(?:\.[A-Za-z_]\w*)*$/;

export function scanPython(text: string, embedded?: Embedded): RawRef[] {
  const l = lex(text, SPEC);
  const code = l.code;
  const lineOf = lineCounter(code);
  const out: RawRef[] = [];
  const { lazy: inDef, mainOnly } = functionLines(code, l.strings);
  const ref = (r: Omit<RawRef, 'lang'>) => {
    if (!mainOnly.has(r.line)) out.push({ lang: 'python', ...r, ...(inDef.has(r.line) ? { lazy: true } : {}) });
  };

  // import a, b.c as d
  for (const m of code.matchAll(/(?:^|[;:])[ \t]*import[ \t]+([^;\n]+)/gm)) {
    const line = lineOf(m.index!);
    for (const part of m[1]!.replace(/[()\\]/g, ' ').split(',')) {
      const name = part.trim().split(/\s+/)[0] ?? '';
      if (DOTTED.test(name)) ref({ kind: 'import', name, line, how: 'import' });
    }
  }
  // from .x.y import (a, b as c)
  for (const m of code.matchAll(/(?:^|[;:])[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]*(\([^)]*\)|[^;\n]+)/gm)) {
    const line = lineOf(m.index!);
    const level = m[1]!.length;
    const mod = m[2]!;
    if (mod !== '' && !DOTTED.test(mod)) continue;
    if (level === 0 && mod === '') continue;
    const names = m[3]!.replace(/[()\\]/g, ' ').split(',')
      .map((p) => p.trim().split(/\s+/)[0] ?? '')
      .filter((n) => /^[A-Za-z_]\w*$/.test(n));
    ref({ kind: 'import', name: mod, line, how: 'from', level, names });
  }
  // importlib.import_module("x") / __import__("x") / import_module("a." + name)
  for (const m of code.matchAll(new RegExp(`\\b(?:import_module|__import__)\\s*\\(\\s*${STR}\\s*(\\+|%|\\.format)?`, 'g'))) {
    const s = stringAt(l, m[1]);
    if (!s) continue;
    const line = lineOf(m.index!);
    if (s.dynamic || m[2]) {
      const prefix = s.value.slice(0, s.value.lastIndexOf('.') + 1);
      if (prefix.length > 1) ref({ kind: 'unit', name: prefix.slice(0, -1), line, how: 'import_module' });
    } else if (DOTTED.test(s.value)) ref({ kind: 'import', name: s.value, line, how: 'import_module' });
  }
  // a module named in a string is imported by that name somewhere: a package's table of its own
  // modules (pygments's lexers), settings naming classes (Django's backends, dictConfig handlers)
  const named = namedInStrings('python', l.strings, MODULE_STRING, 'module named in a string', out);
  // a template of module names, filled in at run time: 'django.conf.locale.%s' is any module of that package
  const templates = l.strings.flatMap((s): RawRef[] => {
    const t = s.dynamic ? undefined : MODULE_TEMPLATE.exec(s.value);
    return t ? [{ lang: 'python', kind: 'unit', name: t[1]!, line: s.line, how: 'module name template', ifPresent: true }] : [];
  });
  out.push(...[...named, ...templates].sort((a, b) => a.line - b.line));
  // gettext catalogs: a domain's .mo in every language under its locale dir (the language is the
  // caller's, at run time); without a localedir, the interpreter's share/locale
  for (const m of code.matchAll(new RegExp(`\\b(?:translation|bindtextdomain|install)\\(\\s*${STR}\\s*(?:,\\s*(?:localedir\\s*=\\s*)?${STR})?`, 'g'))) {
    const domain = stringAt(l, m[1]);
    const dir = m[2] === undefined ? '/usr/share/locale' : stringAt(l, m[2])?.value;
    if (!domain || domain.dynamic || !/^[\w.-]+$/.test(domain.value) || !dir?.startsWith('/')) continue;
    ref({ kind: 'path', name: `${dir.replace(/\/+$/, '')}/*/LC_MESSAGES/${domain.value}.mo`, line: lineOf(m.index!), how: 'gettext catalogs' });
  }
  // data a package reads through the import system (importlib.resources, pkgutil, pkg_resources)
  if (/\b(resources|files|get_data|resource_\w+|open_text|read_text|open_binary|read_binary)\b/.test(code)) out.push(...packageResources(l, lineOf));
  // data beside the module (`os.path.dirname(__file__)`, `Path(__file__).parent`)
  if (code.includes('__file__')) out.push(...besideTheModule(l, lineOf).filter((r) => !mainOnly.has(r.line)).map((r) => (inDef.has(r.line) ? { ...r, lazy: true } : r)));
  // subprocess.run(["prog", ...]) / os.execvp("prog", ...) / shutil.which("prog")
  for (const m of code.matchAll(new RegExp(`\\b(?:subprocess\\.\\w+|Popen|check_output|check_call|os\\.exec\\w*|os\\.spawn\\w*|shutil\\.which)\\s*\\(\\s*\\[?\\s*${STR}`, 'g'))) {
    const s = stringAt(l, m[1]);
    if (!s) continue;
    const list = m[0].includes('[');
    // subprocess given one string: a shell line (shell=True), or else the program itself, which
    // reading it as a shell line also names
    if (!list && !/exec|spawn|which/.test(m[0])) {
      out.push(...shellLine(s.value, s.dynamic, lineOf(m.index!), 'subprocess', embedded));
      continue;
    }
    const word = s.value;
    if (s.dynamic || !/^[\w./@+-]+$/.test(word)) continue;
    // shutil.which only asks whether the program is there; the code copes when it is not
    if (/which/.test(m[0])) ref({ kind: 'command', name: word, line: lineOf(m.index!), how: 'shutil.which', optional: 'a program the code looks for and runs without' });
    else ref({ kind: 'command', name: word, line: lineOf(m.index!), how: 'subprocess' });
  }
  // the list form, read as the command line it is: [sys.executable, "-m", "x"], ["sh", "-c", "..."]
  for (const m of code.matchAll(/\b(?:subprocess\.\w+|Popen|check_output|check_call|os\.exec\w*|os\.spawn\w*)\s*\([^()[\]]*?\[([^\]]*)\]/g)) {
    out.push(...argvLine(l, m[1]!, lineOf(m.index!), 'subprocess', { match: /^sys\.executable$/, interpreter: 'python3' }, embedded));
  }
  // ctypes.CDLL("libx.so.1") / cdll.LoadLibrary(...) / ctypes.util.find_library("x") / cffi ffi.dlopen("x")
  for (const m of code.matchAll(new RegExp(`\\b(CDLL|PyDLL|LoadLibrary|find_library|dlopen)\\s*\\(\\s*${STR}`, 'g'))) {
    const s = stringAt(l, m[2]);
    if (!s || s.dynamic || !/^[\w./@+-]+$/.test(s.value)) continue;
    ref({ kind: 'library', name: s.value, line: lineOf(m.index!), how: m[1]! });
  }
  // os.system("prog args") / os.popen("prog args")
  for (const m of code.matchAll(new RegExp(`\\bos\\.(?:system|popen)\\s*\\(\\s*${STR}`, 'g'))) {
    const s = stringAt(l, m[1]);
    if (s) out.push(...shellLine(s.value, s.dynamic, lineOf(m.index!), 'os.system', embedded));
  }
  out.push(...pathLiterals('python', l.strings).filter((r) => !mainOnly.has(r.line)).map((r) => (inDef.has(r.line) ? { ...r, lazy: true } : r)));
  // `try: import _speedups` / `except ImportError: import slow`: the fallback runs only when the
  // try's imports fail (the resolver checks they are there)
  for (const [line, [from, to]] of fallbackLines(code)) {
    const tried = out.filter((r) => r.kind === 'import' && r.line >= from && r.line <= to);
    if (tried.length === 0) continue;
    for (const r of out) if (r.line === line && r.kind === 'import') r.insteadOf = tried;
  }
  return out;
}

/** Each line inside an `except ImportError:` (or ModuleNotFoundError) handler → the lines of its try body. */
function fallbackLines(code: string): Map<number, [number, number]> {
  const out = new Map<number, [number, number]>();
  const lines = code.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^[ \t]*try[ \t]*:[ \t]*$/.test(lines[i]!)) continue;
    const indent = indentOf(lines[i]!);
    let j = i + 1;
    while (j < lines.length && (lines[j]!.trim() === '' || indentOf(lines[j]!) > indent)) j++;
    const body: [number, number] = [i + 2, j]; // 1-based lines of the try body
    // the handlers at the try's indent, each up to the next line back at that indent
    while (j < lines.length && indentOf(lines[j]!) === indent && /^[ \t]*except\b/.test(lines[j]!)) {
      const importError = /^[ \t]*except\b[^:]*\b(ImportError|ModuleNotFoundError)\b/.test(lines[j]!);
      let k = j + 1;
      while (k < lines.length && (lines[k]!.trim() === '' || indentOf(lines[k]!) > indent)) {
        if (importError) out.set(k + 1, body);
        k++;
      }
      j = k;
    }
  }
  return out;
}

/** A condition true only on another operating system: `sys.platform == "win32"`, `os.name == 'nt'`... */
const OTHER_OS = new RegExp(String.raw`^[ \t]*(?:if|elif)[ \t]+(?:(?:sys\.)?platform[ \t]*==[ \t]*|os\.name[ \t]*==[ \t]*|(?:sys\.)?platform\.startswith\([ \t]*)\u0001(\d+)\u0002\)?[ \t]*:`);
const OTHER_OS_NAMES = /^(win32|cygwin|msys|darwin|nt|java|win|emscripten|wasi|ios|android|aix|sunos5)$/;

/**
 * The lines inside a function body (def, async def, at any depth, methods included): what they
 * import is imported only when the function runs (class bodies run at import time); and the
 * lines that never run when the file is imported on Linux: an `if __name__ == "__main__":`
 * block (it runs only when the file is the script itself, and then the run traced it), a private
 * function called only from there (`_test()`), and a branch for another system (`if
 * sys.platform == "win32":`). Lines that continue a bracketed expression share the state of
 * the line that opened it.
 */
function functionLines(code: string, strings: readonly LexString[]): { lazy: LineSet; mainOnly: LineSet } {
  const lines = code.split('\n');
  // a flag per line (1-based), not a set of numbers: most lines of a library are in a def
  const lazy = new Uint8Array(lines.length + 2);
  const mainOnly = new Uint8Array(lines.length + 2);
  const blocks: Array<{ indent: number; main: boolean }> = []; // the enclosing defs and never-run blocks
  let defs = 0; // how many of `blocks` are defs (the others never run)
  const privateDefs = new Map<string, [number, number]>(); // top-level "_name" → its lines [def, last]
  let open: { name: string; start: number } | undefined;
  let depth = 0;
  let inDef = false;
  let inMain = false;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    if (depth === 0 && text.trim() !== '') {
      const indent = indentOf(text);
      while (blocks.length > 0 && indent <= blocks[blocks.length - 1]!.indent) if (!blocks.pop()!.main) defs--;
      inDef = defs > 0;
      inMain = blocks.length > defs;
      if (indent === 0 && open) {
        privateDefs.set(open.name, [open.start, i]);
        open = undefined;
      }
      // (each pattern tried only on lines that can hold it)
      const def = text.includes('def') ? /^([ \t]*)(?:async[ \t]+)?def[ \t]+(\w+)/.exec(text) : null;
      const os = text.includes('if') ? OTHER_OS.exec(text) : null;
      if (def) {
        blocks.push({ indent, main: false });
        defs++;
        if (indent === 0 && def[2]!.startsWith('_') && !def[2]!.startsWith('__')) open = { name: def[2]!, start: i + 1 };
      } else if (text.startsWith('if') && /^if[ \t]+__name__[ \t]*==[ \t]*\u0001\d+\u0002[ \t]*:/.test(text)) blocks.push({ indent, main: true });
      else if (os && OTHER_OS_NAMES.test(strings[Number(os[1])]?.value ?? '')) {
        blocks.push({ indent, main: true });
        inMain = true; // (an elif's own line too)
      }
    }
    if (inDef) lazy[i + 1] = 1;
    if (inMain) mainOnly[i + 1] = 1;
    for (let c = 0; c < text.length; c++) {
      const ch = text.charCodeAt(c);
      if (ch === 40 || ch === 91 || ch === 123) depth++; // ( [ {
      else if ((ch === 41 || ch === 93 || ch === 125) && depth > 0) depth--;
    }
  }
  if (open) privateDefs.set(open.name, [open.start, lines.length]);
  // private functions named only inside never-run lines (or their own body) never run either
  for (let changed = true; changed;) {
    changed = false;
    for (const [name, [from, to]] of privateDefs) {
      if (mainOnly[from]) continue;
      const re = new RegExp(`\\b${name}\\b`, 'g');
      let used = false;
      let named = false;
      for (let i = 0; i < lines.length && !used; i++) {
        if (!lines[i]!.includes(name)) continue;
        re.lastIndex = 0;
        if (!re.test(lines[i]!)) continue;
        if (i + 1 >= from && i + 1 <= to) continue;
        if (mainOnly[i + 1]) named = true;
        else used = true;
      }
      if (used || !named) continue;
      for (let l = from; l <= to; l++) mainOnly[l] = 1;
      changed = true;
    }
  }
  return { lazy: { has: (line) => lazy[line] === 1 }, mainOnly: { has: (line) => mainOnly[line] === 1 } };
}

/**
 * Data beside the module: os.path.join(os.path.dirname(__file__), "locale-data"),
 * Path(__file__).parent / "templates" / "x.html", and the same through a variable holding the
 * module's directory (`here = os.path.dirname(__file__)` ... `os.path.join(here, "x")`).
 */
function besideTheModule(l: Lexed, lineOf: (at: number) => number): RawRef[] {
  const code = l.code;
  const out: RawRef[] = [];
  const dirOfFile = `(?:os\\.path\\.(?:abspath|realpath)\\(\\s*)?os\\.path\\.dirname\\(\\s*(?:os\\.path\\.(?:abspath|realpath)\\(\\s*__file__\\s*\\)|__file__)\\s*\\)\\)?|\\bPath\\(\\s*__file__\\s*\\)(?:\\.(?:resolve|absolute)\\(\\s*\\))?\\.parent`;
  const dirs = [dirOfFile];
  for (const m of code.matchAll(new RegExp(`^[ \\t]*([A-Za-z_]\\w*)[ \\t]*=[ \\t]*(?:os\\.path\\.join\\(\\s*(?:${dirOfFile})\\s*\\)|${dirOfFile})[ \\t]*$`, 'gm'))) dirs.push(`\\b${m[1]}\\b`);
  for (const dir of dirs) {
    for (const re of [new RegExp(`os\\.path\\.join\\(\\s*(?:${dir})((?:\\s*,\\s*${STR})+)`, 'g'), new RegExp(`(?:${dir})((?:\\s*\\/\\s*${STR})+)`, 'g')]) {
      for (const m of code.matchAll(re)) {
        const parts = [...m[1]!.matchAll(new RegExp(STR, 'g'))].map((x) => stringAt(l, x[1]));
        if (parts.some((p) => !p || p.dynamic || !/^[\w.@+-]+(\/[\w.@+-]+)*$/.test(p.value) || p.value === '..')) continue;
        out.push({ lang: 'python', kind: 'unit', name: `\${__DIR__}/${parts.map((p) => p!.value).join('/')}`, line: lineOf(m.index!), how: 'beside the module' });
      }
    }
  }
  return out;
}

/**
 * Data a package reads through the import system, by the package's name and a path in it:
 * `importlib.resources.files("pkg").joinpath("schemas/x.json")`, `files(__package__) / "data"`,
 * `read_text("pkg", "x.txt")`, `pkgutil.get_data(__name__, "templates/a.html")`,
 * `pkg_resources.resource_filename("pkg", "data")`. As `pkg:path`, the package `.` for the
 * file's own (`__name__`, `__package__`); a path built at run time keeps its directory.
 */
function packageResources(l: Lexed, lineOf: (at: number) => number): RawRef[] {
  const code = l.code;
  const out: RawRef[] = [];
  const pkg = `(?:${STR}|__package__|__name__|__spec__\\.parent)`;
  const add = (pkgAt: string | undefined, rel: LexString | undefined, at: number) => {
    const p = pkgAt === undefined ? '.' : stringAt(l, pkgAt)?.value;
    if (!p || !rel || !/^[\w.]+$/.test(p)) return;
    const known = rel.dynamic ? rel.value.slice(0, rel.value.lastIndexOf('/') + 1) : rel.value;
    const path = known.replace(/^\.?\/+/, '').replace(/\/+$/, '');
    if (path === '' || path.split('/').includes('..')) return;
    out.push({ lang: 'python', kind: 'unit', name: `${p}:${path}`, line: lineOf(at), how: 'package resource', ifPresent: true });
  };
  // files(pkg).joinpath("a/b") / files(pkg) / "a" / "b"
  for (const m of code.matchAll(new RegExp(`\\bfiles\\(\\s*${pkg}\\s*\\)\\s*(?:\\.joinpath\\(\\s*${STR}|((?:\\s*\\/\\s*${STR})+))`, 'g'))) {
    const parts = m[2] !== undefined ? [stringAt(l, m[2])] : [...(m[3] ?? '').matchAll(new RegExp(STR, 'g'))].map((x) => stringAt(l, x[1]));
    if (parts.some((x) => !x)) continue;
    const dynamic = parts.findIndex((x) => x!.dynamic);
    const joined = (dynamic < 0 ? parts : parts.slice(0, dynamic + 1)).map((x) => x!.value).join('/');
    add(m[1], { ...parts[0]!, value: joined, dynamic: dynamic >= 0 }, m.index!);
  }
  // read_text(pkg, "x") / get_data(pkg, "x") / resource_filename(pkg, "x") ...
  for (const m of code.matchAll(new RegExp(`\\b(?:open_text|read_text|open_binary|read_binary|path|is_resource|get_data|resource_(?:filename|string|stream|listdir|exists|isdir))\\(\\s*${pkg}\\s*,\\s*${STR}`, 'g'))) {
    add(m[1], stringAt(l, m[2]), m.index!);
  }
  return out;
}

/** Lines with a property. */
interface LineSet {
  has(line: number): boolean;
}

/** A line's indent, a tab counting 8. */
function indentOf(text: string): number {
  let n = 0;
  for (let c = 0; c < text.length; c++) {
    const ch = text.charCodeAt(c);
    if (ch === 32) n++;
    else if (ch === 9) n += 8;
    else break;
  }
  return n;
}
