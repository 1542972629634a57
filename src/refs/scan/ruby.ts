// Ruby: require / require_relative / load / autoload with literal names, programs run through
// backticks, system, exec, spawn and Open3, and absolute paths named as literals.
import { lex, lineCounter, STR, stringAt } from '../lex.js';
import type { RawRef } from '../types.js';
import { argvLine, pathLiterals, shellLine } from './literals.js';
import type { Embedded } from './shell.js';

const SPEC = {
  lineComments: ['#'], quotes: ["'", '"', '`'], interpolation: { quote: '"', start: /^#\{/ },
  docBlocks: [[/^=begin\b/, /^=end\b/]] as Array<[RegExp, RegExp]>,
};

export function scanRuby(text: string, embedded?: Embedded): RawRef[] {
  const src = text.replace(/^__END__$[\s\S]*/m, '');
  const l = lex(src, SPEC);
  const code = l.code;
  const lineOf = lineCounter(code);
  const out: RawRef[] = [];
  const ref = (r: Omit<RawRef, 'lang'>) => out.push({ lang: 'ruby', ...r });
  const re = new RegExp(`\\b(require_relative|require|load|autoload\\s*\\(?\\s*:?\\w+\\s*,)\\s*\\(?\\s*${STR}`, 'g');
  for (const m of code.matchAll(re)) {
    const s = stringAt(l, m[2]);
    if (!s) continue;
    const how = m[1]!.startsWith('autoload') ? 'autoload' : m[1]!;
    const line = lineOf(m.index!);
    if (s.dynamic) {
      const prefix = s.value.slice(0, s.value.lastIndexOf('/') + 1);
      if (prefix !== '') ref({ kind: 'unit', name: prefix, line, how });
    } else ref({ kind: 'import', name: s.value, line, how });
  }
  // $LOAD_PATH.unshift "/usr/lib/app" / $: << File.expand_path("../lib", __dir__): a search dir,
  // any file in it may be required (by a name built at run time too)
  for (const m of code.matchAll(new RegExp(`(?:\\$LOAD_PATH|\\$:)\\s*(?:\\.(?:unshift|push|prepend|append)|<<|\\.insert\\s*\\(\\s*-?\\d+\\s*,)\\s*\\(?\\s*(?:File\\.(expand_path|join)\\s*\\(\\s*(?:(?:__dir__|File\\.dirname\\s*\\(\\s*__FILE__\\s*\\))\\s*,\\s*)?)?${STR}(\\s*,\\s*(?:__dir__|File\\.dirname\\s*\\(\\s*__FILE__\\s*\\)))?`, 'g'))) {
    const s = stringAt(l, m[2]);
    if (!s || s.dynamic) continue;
    const relative = m[1] === 'join' || (m[1] === 'expand_path' && m[3]);
    const name = s.value.startsWith('/') ? s.value : relative ? `\${__DIR__}/${s.value}` : undefined;
    if (name) ref({ kind: 'unit', name, line: lineOf(m.index!), how: 'load path' });
  }
  for (const s of l.strings) if (s.quote === '`') out.push(...shellLine(s.value, s.dynamic, s.line, 'backtick', embedded));
  // system("ruby", "-e", code) / spawn(RbConfig.ruby, "-rjson", ...): the arguments as the command line they are
  for (const m of code.matchAll(new RegExp(`\\b(?:system|exec|spawn|IO\\.popen|Open3\\.\\w+)\\s*\\(?\\s*\\[?\\s*((?:${STR}|RbConfig\\.ruby|Gem\\.ruby)(?:\\s*,\\s*${STR})+)`, 'g'))) {
    out.push(...argvLine(l, m[1]!, lineOf(m.index!), 'system', { match: /^(RbConfig|Gem)\.ruby$/, interpreter: 'ruby' }, embedded));
  }
  for (const m of code.matchAll(new RegExp(`\\b(?:system|exec|spawn|IO\\.popen|Open3\\.\\w+)\\s*\\(?\\s*\\[?\\s*${STR}\\s*(,)?`, 'g'))) {
    const s = stringAt(l, m[1]);
    if (!s) continue;
    // with more arguments the first is the program itself; alone it is a shell line
    if (!m[2]) out.push(...shellLine(s.value, s.dynamic, lineOf(m.index!), 'system', embedded));
    else if (!s.dynamic && /^[\w./@+-]+$/.test(s.value)) ref({ kind: 'command', name: s.value, line: lineOf(m.index!), how: 'system' });
  }
  // Fiddle.dlopen("libx.so.1") / Fiddle::Handle.new(...) / ruby-ffi's ffi_lib "x"
  for (const m of code.matchAll(new RegExp(`\\b(dlopen|Handle\\.new|ffi_lib)\\s*\\(?\\s*\\[?\\s*${STR}`, 'g'))) {
    const s = stringAt(l, m[2]);
    if (s && !s.dynamic && /^[\w./@+-]+$/.test(s.value)) ref({ kind: 'library', name: s.value, line: lineOf(m.index!), how: m[1]! });
  }
  out.push(...pathLiterals('ruby', l.strings.filter((s) => s.quote !== '`')));
  return out;
}
