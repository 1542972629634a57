// Perl: use / no / require of modules, use parent/base, require of files, `use lib` dirs,
// programs run through system/exec/backticks (and argument lists), modules loaded by a name
// built at run time, and absolute paths named as literals.
import { lex, lineCounter, STR, stringAt, type Lexed } from '../lex.js';
import type { RawRef } from '../types.js';
import { argvLine, namedInStrings, pathLiterals, shellLine } from './literals.js';
import type { Embedded } from './shell.js';

const SPEC = {
  lineComments: ['#'], quotes: ["'", '"', '`'], interpolation: { quote: '"', start: /^[$@][\w{]/ },
  docBlocks: [[/^=[a-zA-Z]/, /^=cut\b/]] as Array<[RegExp, RegExp]>,
};
const MODULE = /^[A-Za-z_]\w*(?:::\w+)*$/;

export function scanPerl(text: string, embedded?: Embedded): RawRef[] {
  const src = text.replace(/^__(?:END|DATA)__$[\s\S]*/m, '');
  const l = lex(src, SPEC);
  const code = l.code;
  const lineOf = lineCounter(code);
  const out: RawRef[] = [];
  const ref = (r: Omit<RawRef, 'lang'>) => out.push({ lang: 'perl', ...r });
  const words = (s: string) => s.split(/[\s,]+/).filter((w) => w !== '');
  const subs = subBodies(code);
  const inSub = (at: number) => subs.some(([a, b]) => at > a && at < b);
  const listArgs = (m: string) => {
    // 'A', "B", qw(C D)
    const names: string[] = [];
    for (const q of m.matchAll(new RegExp(STR, 'g'))) {
      const s = stringAt(l, q[1]);
      if (s && !s.dynamic) names.push(s.value);
    }
    for (const q of m.matchAll(/\bqw\s*[([{/<]([^)\]}/>]*)/g)) names.push(...words(q[1]!));
    return names;
  };

  for (const m of code.matchAll(/(?:^|[;{}])\s*(use|no)\s+([A-Za-z_][\w:]*)([^;]*)/gm)) {
    const line = lineOf(m.index!);
    const mod = m[2]!;
    if (!MODULE.test(mod) || /^v\d+$/.test(mod)) continue;
    ref({ kind: 'import', name: mod, line, how: m[1]! });
    if (mod === 'if') {
      // use if CONDITION, MODULE => ARGS: the module after the condition
      const after = m[3]!.slice(m[3]!.indexOf(',') + 1);
      const name = m[3]!.includes(',') ? listArgs(after)[0] : undefined;
      if (name && MODULE.test(name)) ref({ kind: 'import', name, line, how: 'use if' });
    } else if (mod === 'parent' || mod === 'base') {
      for (const n of listArgs(m[3]!)) if (MODULE.test(n) && n !== '-norequire') ref({ kind: 'import', name: n, line, how: mod });
    } else if (mod === 'lib') {
      for (const n of listArgs(m[3]!)) if (n.startsWith('/')) ref({ kind: 'unit', name: n, line, how: 'use lib' }); // a search dir: any module in it may be loaded
    }
  }
  // a bare module name ends the statement or comes before a modifier (`require X if $^O ne 'epoc'`, `require X or die`)
  for (const m of code.matchAll(new RegExp(`\\brequire\\s*\\(?\\s*(?:([A-Za-z_][\\w:]*)\\s*(?:[;)},]|\\b(?:${MODIFIER})\\b|&&|\\|\\||$)|${STR})`, 'gm'))) {
    const line = lineOf(m.index!);
    if (m[1]) {
      // require runs when reached (use is at compile time): inside a sub, only when it is called
      if (MODULE.test(m[1]) && !/^\d/.test(m[1])) ref({ kind: 'import', name: m[1], line, how: 'require', ...(inSub(m.index!) ? { lazy: true } : {}) });
      continue;
    }
    const s = stringAt(l, m[2]);
    if (s && !s.dynamic) ref({ kind: 'import', name: s.value, line, how: 'require file', ...(inSub(m.index!) ? { lazy: true } : {}) });
    else if (s?.value.includes('/')) ref({ kind: 'unit', name: s.value.slice(0, s.value.lastIndexOf('/')), line, how: 'require file' }); // "Plugin/$name.pm"
  }
  out.push(...runtimeNames(src, l, lineOf));
  // a module named in a string is loaded by that name somewhere: Digest's %MMAP ('Digest::SHA'),
  // Template's $CONTEXT = 'Template::Context', Text::CSV's 'Text::CSV_PP'
  out.push(...namedInStrings('perl', l.strings, MODULE_STRING, 'module named in a string', out));
  // a module's own sub-modules named by their last word: Perl splits a module into its namespace
  // and loads a part by a name it builds from a word (B::Hooks::EndOfScope hands
  // `implementations => ['XS', 'PP']` to Module::Implementation, which requires "${package}::$impl")
  const partNames = [...new Set(l.strings.filter((s) => !s.dynamic && /^[A-Z][A-Za-z0-9_]*$/.test(s.value)).map((s) => s.value))];
  if (partNames.length) {
    for (const m of code.matchAll(/(?:^|[;{}])\s*package\s+([A-Za-z_]\w*(?:::\w+)*)\s*[;{]/gm)) {
      if (m[1] !== 'main' && m[1] !== 'DB') ref({ kind: 'import', name: `${m[1]}::*`, names: partNames, line: lineOf(m.index!), how: 'its own sub-modules by name', ifPresent: true });
    }
  }
  // File::ShareDir: a distribution's shared data, found by its name (DateTime::Locale's
  // `dist_file('DateTime-Locale', "$code.pl")`): its whole share dir in @INC
  for (const m of code.matchAll(new RegExp(`\\b(dist_file|dist_dir|module_file|module_dir)\\s*\\(\\s*${STR}`, 'g'))) {
    const s = stringAt(l, m[2]);
    if (!s || s.dynamic || !/^[\w:-]+$/.test(s.value)) continue;
    const dir = m[1]!.startsWith('dist') ? `auto/share/dist/${s.value}` : `auto/share/module/${s.value.replace(/::/g, '-')}`;
    ref({ kind: 'unit', name: dir, line: lineOf(m.index!), how: m[1]!, ifPresent: true });
  }
  for (const s of l.strings) if (s.quote === '`') out.push(...shellLine(s.value, s.dynamic, s.line, 'backtick', embedded));
  // system($^X, "-MJSON::PP", "-e", $code) / exec("sh", "-c", "..."): the arguments as the command line they are
  for (const m of code.matchAll(new RegExp(`\\b(?:system|exec)\\s*\\(?\\s*((?:${STR}|\\$\\^X)(?:\\s*,\\s*${STR})+)`, 'g'))) {
    out.push(...argvLine(l, m[1]!, lineOf(m.index!), 'system', { match: /^\$\^X$/, interpreter: 'perl' }, embedded));
  }
  for (const m of code.matchAll(new RegExp(`\\b(?:system|exec)\\s*\\(?\\s*${STR}\\s*(,)?`, 'g'))) {
    const s = stringAt(l, m[1]);
    if (!s) continue;
    // with more arguments the first is the program itself; alone it is a shell line
    if (!m[2]) out.push(...shellLine(s.value, s.dynamic, lineOf(m.index!), 'system', embedded));
    else if (!s.dynamic && /^[\w./@+-]+$/.test(s.value)) ref({ kind: 'command', name: s.value, line: lineOf(m.index!), how: 'system' });
  }
  // DynaLoader::dl_load_file("libx.so.1") / FFI::CheckLib's find_lib(lib => 'x') / FFI::Platypus->new(lib => 'x')
  for (const m of code.matchAll(new RegExp(`\\b(dl_load_file|find_lib\\w*|lib)\\s*(?:\\(|=>)\\s*(?:lib\\s*=>\\s*)?${STR}`, 'g'))) {
    const s = stringAt(l, m[2]);
    if (s && !s.dynamic && /^[\w./@+-]+$/.test(s.value)) ref({ kind: 'library', name: s.value, line: lineOf(m.index!), how: m[1]! === 'lib' ? 'FFI lib' : m[1]! });
  }
  out.push(...pathLiterals('perl', l.strings.filter((s) => s.quote !== '`')));
  return out;
}

/** The namespace a string starts with when the rest is built at run time: "DBD::$driver", 'Fmt::' . $x. */
const NAMESPACE_PREFIX = /^((?:[A-Za-z_]\w*::)+)/;
/** A string that may name a module: two or more names joined by `::`. */
const MODULE_STRING = /^[A-Za-z_]\w*(?:::\w+)+$/;

/** Statement modifiers and low-precedence operators that may follow `require Module`. */
const MODIFIER = 'if|unless|while|until|for|foreach|or|and|xor';

// Loaders that take a module name: Module::Runtime, Class::Load, UNIVERSAL::require.
const BY_NAME = 'require_module|use_module|load_class|try_load_class|Module::Load::load';

/**
 * A module loaded by a name built at run time: `my $class = "DBD::$driver"; ... require $class`,
 * also inside a string eval'd as code (`eval "require $class"`, `eval qq{require $class}`, so the
 * raw text is searched, strings included), or handed to a loader by name
 * (`require_module("Plugin::$x")`, `$class->require`). What can load is any module under the
 * name's literal namespace: that namespace is the unit kept (`DBD/` and `auto/DBD/` in @INC).
 */
function runtimeNames(src: string, l: Lexed, lineOf: (at: number) => number): RawRef[] {
  const out: RawRef[] = [];
  const unit = (prefix: string, line: number, how: string) => {
    const ns = prefix.slice(0, -2);
    if (!out.some((r) => r.name === ns)) out.push({ lang: 'perl', kind: 'unit', name: ns, line, how });
  };
  const prefixOf = (i: string | undefined, concatenated: boolean) => {
    const s = stringAt(l, i);
    if (!s || !(s.dynamic || (concatenated && s.value.endsWith('::')))) return undefined;
    return NAMESPACE_PREFIX.exec(s.value)?.[1];
  };
  // variables assigned a namespace-prefixed name
  const named = new Map<string, string>();
  for (const m of l.code.matchAll(new RegExp(`\\$(\\w+)\\s*=\\s*${STR}\\s*(\\.)?`, 'g'))) {
    const p = prefixOf(m[2], !!m[3]);
    if (p) named.set(m[1]!, p);
  }
  const use = new RegExp(`(?:\\brequire|\\b(?:${BY_NAME}))\\s*\\(?\\s*\\$(\\w+)|\\$(\\w+)->require\\b`, 'g');
  let requiresByName = false;
  if (named.size) {
    const srcLine = lineCounter(src);
    for (const m of src.matchAll(use)) {
      requiresByName = true;
      const p = named.get(m[1] ?? m[2]!);
      if (p) unit(p, srcLine(m.index!), 'require by name');
    }
  } else requiresByName = use.test(src);
  for (const m of l.code.matchAll(new RegExp(`\\b(?:${BY_NAME})\\s*\\(?\\s*${STR}`, 'g'))) {
    const p = prefixOf(m[1], false);
    if (p) unit(p, lineOf(m.index!), 'require by name');
  }
  // a file that requires by a variable, whatever path the name took to get there (Digest's
  // `"Digest::$algorithm"` becomes `$pm_file` through a loop): each namespace it builds a name in
  if (requiresByName) {
    for (const s of l.strings) {
      const p = s.dynamic ? NAMESPACE_PREFIX.exec(s.value)?.[1] : undefined;
      // CORE:: and CORE::GLOBAL:: name Perl's builtins, never a module
      if (p && !/^CORE::/.test(p) && !out.some((r) => r.name === p.slice(0, -2))) out.push({ lang: 'perl', kind: 'unit', name: p.slice(0, -2), line: s.line, how: 'name built for a require', ifPresent: true });
    }
  }
  return out;
}

/** [open, close] offsets of every sub's body: what runs only when the sub is called. */
function subBodies(code: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const m of code.matchAll(/\bsub\b\s*(?:[\w:]+\s*)?(?:\([^)]*\)\s*)?\{/g)) {
    const open = m.index! + m[0].length - 1;
    let depth = 0;
    let i = open;
    for (; i < code.length; i++) {
      const c = code.charCodeAt(i);
      if (c === 123) depth++;
      else if (c === 125 && --depth === 0) break;
    }
    out.push([open, i]);
  }
  return out;
}
