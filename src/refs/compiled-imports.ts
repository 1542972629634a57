// Modules that compiled code loads by a name written in C: an extension module or a program
// embedding an interpreter calls the interpreter's import function with a string literal
// (Ruby's psych.so runs `rb_require("psych/syntax_error")` only when a document fails to
// parse; a Python extension imports a helper module on first use). When a kept ELF file
// imports such a function (src/elf MODULE_IMPORTS), its read-only data's strings that are
// well-formed module names of that language are imports, resolved like the language's own
// import statement. Most strings are not module names: the ones that resolve to nothing are
// not reported.
import { MODULE_IMPORTS } from '../elf/index.js';
import type { ElfStrings } from '../elf/index.js';
import type { Lang, RawRef } from './types.js';

/** A module name as each language's C API takes it. */
const NAME: Partial<Record<Lang, RegExp>> = {
  python: /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$/,
  // a feature: "json", "psych/syntax_error", "enc/trans/japanese"
  ruby: /^[a-z_][\w-]*(?:\/[\w.-]+)*$/,
  // Foo::Bar, or a file as require_pv takes it: Foo/Bar.pm
  perl: /^(?:[A-Z]\w*(?:::\w+)*|[A-Za-z_]\w*(?:\/\w+)*\.pm)$/,
};

/** A module name of more than one part: `a/b`, `a.b`, `A::B`. */
const MULTI_PART = /[/.]|::/;

/**
 * The imports a compiled file makes by name, one per (language, well-formed string). The
 * interpreter's own library (it defines the import function) requires features of its own the
 * same way (libruby: `rb_require("unicode_normalize/normalize.rb")` on first use); there only a
 * name of more than one part counts: a bare word in an interpreter's strings is as often a
 * method or an entry of its table of every standard module (python's) as a module it loads.
 */
export function compiledImports(strings: ElfStrings): RawRef[] {
  const imported = (strings.imports ?? []).filter((i) => MODULE_IMPORTS[i] !== undefined);
  // the interpreter itself: it defines the import function and imports none
  const itself = imported.length === 0;
  const fns = itself ? (strings.defines ?? []).filter((i) => MODULE_IMPORTS[i] !== undefined) : imported;
  if (fns.length === 0 || !strings.words) return [];
  const out: RawRef[] = [];
  const seen = new Set<Lang>();
  for (const fn of fns) {
    const lang = MODULE_IMPORTS[fn]!;
    const name = NAME[lang];
    if (seen.has(lang) || !name) continue;
    seen.add(lang);
    for (const w of strings.words) {
      if (!name.test(w) || (itself && !MULTI_PART.test(w))) continue;
      const file = lang === 'perl' && w.endsWith('.pm');
      out.push({ lang, kind: 'import', name: w, line: 0, how: file ? 'require file' : fn, ...(itself ? { ifPresent: true } : {}) });
      // an extension in a package imports its siblings too (Cython's `from . import x`,
      // `from lxml import _elementpath`): the name relative to the extension's own package
      if (lang === 'python' && !itself) out.push({ lang, kind: 'import', name: w, line: 0, how: fn, level: 1 });
    }
  }
  return out;
}
