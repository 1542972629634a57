// Python pickles: data that names code. Unpickling imports the module of every class or
// function the pickle holds (`pickle.load` calls `__import__(module)`: a `Fraction`, a
// `Decimal`, a model's classes), so a pickle the app reads later names imports as surely as
// an import statement does. Protocols 0 and 1 write `c<module>\n<name>\n` (GLOBAL); 2 and up
// push the module and the name as strings, then STACK_GLOBAL.
import type { RawRef } from '../types.js';

const GLOBAL_TEXT = /c([A-Za-z_][\w.]*)\n[A-Za-z_][\w.]*\n/g;
const MODULE = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$/;
const SHORT_BINUNICODE = 0x8c;
const MEMOIZE = 0x94;
const STACK_GLOBAL = 0x93;

/** Whether `head` (a file's first bytes) starts as a pickle of protocol 2 or later does. */
export function looksLikePickle(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x80 && head[1]! >= 2 && head[1]! <= 5;
}

/** The modules a pickle imports when it is loaded. */
export function scanPickle(data: Buffer): RawRef[] {
  const modules = new Set<string>();
  for (const m of data.toString('latin1').matchAll(GLOBAL_TEXT)) modules.add(m[1]!);
  // SHORT_BINUNICODE module [MEMOIZE] SHORT_BINUNICODE name [MEMOIZE] STACK_GLOBAL
  const str = (at: number): { value: string; end: number } | undefined => {
    if (data[at] !== SHORT_BINUNICODE || at + 2 > data.length) return undefined;
    const end = at + 2 + data[at + 1]!;
    return end <= data.length ? { value: data.subarray(at + 2, end).toString('utf8'), end: data[end] === MEMOIZE ? end + 1 : end } : undefined;
  };
  for (let i = data.indexOf(SHORT_BINUNICODE); i >= 0; i = data.indexOf(SHORT_BINUNICODE, i + 1)) {
    const mod = str(i);
    const name = mod && str(mod.end);
    if (mod && name && data[name.end] === STACK_GLOBAL && MODULE.test(mod.value)) modules.add(mod.value);
  }
  return [...modules].map((name) => ({ lang: 'python', kind: 'import', name, line: 0, how: 'named in a pickle', ifPresent: true }));
}
