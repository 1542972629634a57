// JavaScript (CommonJS and ES modules): require(), import ... from, import(), export ... from,
// require.resolve(), child_process calls, and absolute paths named as literals.
import { lex, lineCounter, STR, stringAt } from '../lex.js';
import type { RawRef } from '../types.js';
import { argvLine, namedInStrings, pathLiterals, shellLine } from './literals.js';
import type { Embedded } from './shell.js';

const SPEC = {
  lineComments: ['//'], blockComments: [['/*', '*/']] as Array<[string, string]>, quotes: ["'", '"', '`'], regex: true,
  interpolation: { quote: '`', start: /^\$\{/ },
};

/** A string that may name a package: npm's name rules (lowercase, an optional @scope/). */
const PACKAGE_STRING = /^(?:@[a-z0-9-~][a-z0-9._~-]*\/)?[a-z0-9-~][a-z0-9._~-]*$/;

export function scanNode(text: string, embedded?: Embedded): RawRef[] {
  // a "#!" first line is not JavaScript
  const src = text.startsWith('#!') ? text.replace(/^#![^\n]*/, '') : text;
  const l = lex(src, SPEC);
  const code = l.code;
  const lineOf = lineCounter(code);
  const out: RawRef[] = [];
  const ref = (r: Omit<RawRef, 'lang'>) => out.push({ lang: 'node', ...r });

  // require under another name (moment's `aliasedRequire = require`, to hide it from bundlers)
  const aliases = [...code.matchAll(/\b([A-Za-z_$][\w$]*)\s*=\s*require\s*(?=[;,)\n])/g)].map((m) => m[1]!.replace(/\$/g, '\\$'));
  const requireName = aliases.length ? `(?:require|${aliases.join('|')})` : 'require';
  const patterns: Array<[RegExp, string]> = [
    [new RegExp(`\\b${requireName}\\s*\\(\\s*${STR}\\s*(\\+)?`, 'g'), 'require'],
    [new RegExp(`\\brequire\\.resolve\\s*\\(\\s*${STR}\\s*(\\+)?`, 'g'), 'require.resolve'],
    [new RegExp(`\\bimport\\s*\\(\\s*${STR}\\s*(\\+)?`, 'g'), 'import()'],
    [new RegExp(`\\bfrom\\s*${STR}()`, 'g'), 'import'],
    [new RegExp(`(?:^|[;\\n}])\\s*import\\s*${STR}()`, 'g'), 'import'],
  ];
  const found: Array<{ at: number; r: Omit<RawRef, 'lang'> }> = [];
  for (const [re, how] of patterns) {
    for (const m of code.matchAll(re)) {
      const s = stringAt(l, m[1]);
      if (!s) continue;
      const at = m.index!;
      if (s.dynamic || m[2]) {
        const prefix = s.value.slice(0, s.value.lastIndexOf('/') + 1);
        if (prefix !== '' && prefix !== './' && prefix !== '../') found.push({ at, r: { kind: 'unit', name: prefix, line: 0, how } });
      } else found.push({ at, r: { kind: 'import', name: s.value, line: 0, how } });
    }
  }
  // child_process: execFile/spawn/fork name a program (or module); exec/execSync a shell line
  for (const m of code.matchAll(new RegExp(`\\b(execFileSync|execFile|spawnSync|spawn|fork|execSync|exec)\\s*\\(\\s*${STR}`, 'g'))) {
    const s = stringAt(l, m[2]);
    if (!s) continue;
    const fn = m[1]!;
    if (fn === 'exec' || fn === 'execSync') { // a shell line
      for (const r of shellLine(s.value, s.dynamic, 1, fn, embedded)) found.push({ at: m.index!, r });
      continue;
    }
    if (s.dynamic) continue;
    found.push({ at: m.index!, r: fn === 'fork' ? { kind: 'import', name: s.value, line: 0, how: 'fork' } : { kind: 'command', name: s.value, line: 0, how: fn } });
  }
  // spawn/execFile(program, [args]), read as the command line it is: spawn(process.execPath, ["-e", code])
  for (const m of code.matchAll(new RegExp(`\\b(execFileSync|execFile|spawnSync|spawn)\\s*\\(\\s*(${STR}|process\\.execPath|process\\.argv0)\\s*,\\s*\\[([^\\]]*)\\]`, 'g'))) {
    for (const r of argvLine(l, `${m[2]},${m[4]}`, 1, m[1]!, { match: /^process\.(execPath|argv0)$/, interpreter: 'node' }, embedded)) found.push({ at: m.index!, r });
  }
  // process.dlopen(module, "/x.node") / ffi-napi's ffi.Library("libx") / koffi.load("libx.so.1")
  for (const m of code.matchAll(new RegExp(`\\b(?:process\\.dlopen\\s*\\(\\s*[\\w.]+\\s*,|(Library|koffi\\.load|DynamicLibrary)\\s*\\()\\s*${STR}`, 'g'))) {
    const s = stringAt(l, m[2]);
    if (!s || s.dynamic || !/^[\w./@+-]+$/.test(s.value)) continue;
    found.push({ at: m.index!, r: { kind: 'library', name: s.value, line: 0, how: m[1] ?? 'process.dlopen' } });
  }
  found.sort((a, b) => a.at - b.at);
  for (const f of found) ref({ ...f.r, line: lineOf(f.at) });
  out.push(...pathLiterals('node', l.strings));
  // a package named in a string is required by that name somewhere: express's view engine
  // (`app.set('view engine', 'ejs')` → `require('ejs')`), a database client, a session store
  out.push(...namedInStrings('node', l.strings, PACKAGE_STRING, 'package named in a string', out));
  return out;
}
