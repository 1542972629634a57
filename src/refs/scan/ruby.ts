// Ruby: require / require_relative / load / autoload with literal names, programs run through
// backticks, system, exec, spawn and Open3, and absolute paths named as literals.
import { lex, lineCounter, STR, stringAt } from '../lex.js';
import type { RawRef } from '../types.js';
import { argvLine, namedInStrings, pathLiterals, shellLine } from './literals.js';
import type { Embedded } from './shell.js';

const SPEC = {
  lineComments: ['#'], quotes: ["'", '"', '`'], interpolation: { quote: '"', start: /^#\{/ },
  docBlocks: [[/^=begin\b/, /^=end\b/]] as Array<[RegExp, RegExp]>,
};

/** The file's own directory as Ruby writes it. */
const FILE_DIR = '__dir__|File\\.dirname\\s*\\(\\s*__FILE__\\s*\\)';

/** A string that may name a feature: lowercase words joined by '/' ('tilt/erb', 'digest/sha2'). */
const FEATURE_STRING = /^[a-z_][\w-]*(?:\/[a-z_][\w-]*)+$/;

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
  // a feature name built in a variable, then required: `lib = File.join('digest', name.downcase)`
  // or `lib = "digest/#{name}"`, `require lib` (Digest's const_missing): that feature directory
  const built = new Map<string, string>();
  for (const m of code.matchAll(new RegExp(`\\b(\\w+)\\s*=\\s*(?:File\\.join\\s*\\(\\s*${STR}\\s*,|${STR})`, 'g'))) {
    const s = stringAt(l, m[2] ?? m[3]);
    if (!s || s.value.startsWith('/')) continue;
    const dir = m[2] ? s.value.replace(/\/+$/, '') : s.dynamic && s.value.includes('/') ? s.value.slice(0, s.value.lastIndexOf('/')) : undefined;
    if (dir && /^[a-z_][\w/-]*$/.test(dir)) built.set(m[1]!, dir);
  }
  for (const m of code.matchAll(/\b(?:require|load)\s*\(?\s*(\w+)\s*(?:$|[)\n;])/gm)) {
    const dir = built.get(m[1]!);
    if (dir && !out.some((r) => r.kind === 'unit' && r.name === `${dir}/`)) ref({ kind: 'unit', name: `${dir}/`, line: lineOf(m.index!), how: 'require by a built name' });
  }
  // `autoload :NumberHelper` with no path (ActiveSupport::Autoload, Zeitwerk): the file is the
  // constant's name, underscored, in this file's directory or in the directory named after it
  for (const m of code.matchAll(/\bautoload\s*\(?\s*:(\w+)\s*\)?\s*(?=$|[;\n}]|\bdo\b)/gm)) {
    const file = `${underscore(m[1]!)}.rb`;
    for (const name of [`\${__DIR__}/${file}`, `\${__DIR__}/*/${file}`]) ref({ kind: 'unit', name, line: lineOf(m.index!), how: 'autoload by name', ifPresent: true });
  }
  // $LOAD_PATH.unshift "/usr/lib/app" / $: << File.expand_path("../lib", __dir__): a search dir,
  // any file in it may be required (by a name built at run time too)
  for (const m of code.matchAll(new RegExp(`(?:\\$LOAD_PATH|\\$:)\\s*(?:\\.(?:unshift|push|prepend|append)|<<|\\.insert\\s*\\(\\s*-?\\d+\\s*,)\\s*\\(?\\s*(?:File\\.(expand_path|join)\\s*\\(\\s*(?:(?:${FILE_DIR})\\s*,\\s*)?)?${STR}(\\s*,\\s*(?:${FILE_DIR}))?`, 'g'))) {
    const s = stringAt(l, m[2]);
    if (!s || s.dynamic) continue;
    const relative = m[1] === 'join' || (m[1] === 'expand_path' && m[3]);
    const name = s.value.startsWith('/') ? s.value : relative ? `\${__DIR__}/${s.value}` : undefined;
    if (name) ref({ kind: 'unit', name, line: lineOf(m.index!), how: 'load path' });
  }
  // a path beside the file: File.expand_path("core_ext/*.rb", __dir__) (ActiveSupport globs its
  // own files and requires each), File.join(__dir__, "data"): its literal part, whole
  const HERE = `(${FILE_DIR}|__FILE__)`;
  for (const m of code.matchAll(new RegExp(`File\\.expand_path\\s*\\(\\s*${STR}\\s*,\\s*${HERE}|File\\.join\\s*\\(\\s*${HERE}\\s*,\\s*${STR}`, 'g'))) {
    const s = stringAt(l, m[1] ?? m[4]);
    if (!s || s.value.startsWith('/') || (s.dynamic && !s.value.includes('/'))) continue;
    // expand_path(x, __FILE__) starts from the file itself: its first ".." is the file's own dir
    const rel = m[2] === '__FILE__' ? s.value.replace(/^\.\.(\/|$)/, '') : s.value;
    // a glob is matched as it is; a name built at run time ("plugins/#{x}.rb": the lexer knows
    // "plugins/") keeps its directory
    const known = (s.dynamic ? rel.slice(0, rel.lastIndexOf('/')) : rel).split('/').filter((c) => c !== '');
    const name = `\${__DIR__}/${known.join('/')}`;
    if (!known.some((c) => c !== '..' && c !== '.') || out.some((r) => r.kind === 'unit' && r.name === name)) continue; // a load path dir already
    ref({ kind: 'unit', name, line: lineOf(m.index!), how: 'beside the file', ifPresent: true });
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
  // a feature named in a string is required by that name somewhere (tilt's
  // `register_lazy :ERBTemplate, 'tilt/erb'`, a table of backends): when it is a file on the load path
  out.push(...namedInStrings('ruby', l.strings, FEATURE_STRING, 'feature named in a string', out));
  return out;
}

/** ActiveSupport's underscore: "NumberToHumanSizeConverter" → "number_to_human_size_converter", "XMLMini" → "xml_mini". */
function underscore(name: string): string {
  return name.replace(/([A-Z\d]+)([A-Z][a-z])/g, '$1_$2').replace(/([a-z\d])([A-Z])/g, '$1_$2').toLowerCase();
}
