// Modules that compiled code imports by a name written in C (src/refs/compiled-imports.ts):
// an extension that imports the interpreter's import function has its strings that name a
// module kept as imports; other strings, and the strings of files that do not import it, keep
// nothing. Facts are hand-made, as src/elf/strings.ts returns them.
import { describe, expect, it } from 'vitest';
import { formatReason, select } from '../../src/select/index.js';
import type { FileFacts, Selection, TraceLike } from '../../src/select/index.js';
import type { ElfInfo, ElfStrings } from '../../src/elf/index.js';
import { memIndex, memRead, type Spec } from './memindex.js';

const X = 0o755;
const LIB = '/usr/lib/x86_64-linux-gnu';
const elfInfo = (o: Partial<ElfInfo> = {}): ElfInfo => ({ class: 64, endian: 'le', machine: 62, type: 'dyn', needed: [], nodeflib: false, static: false, ...o });
const ev = (path: string, intent = 'r'): TraceLike => ({ syscall: 'openat', intent, result: '0', path });

const specs: Spec[] = [
  { path: '/usr/bin/ruby', mode: X }, { path: '/usr/bin/python3', mode: X },
  '/usr/lib/ruby/3.1.0/psych.rb', '/usr/lib/ruby/3.1.0/psych/syntax_error.rb', '/usr/lib/ruby/3.1.0/psych/unused.rb',
  { path: `${LIB}/ruby/3.1.0/psych.so`, mode: X }, { path: `${LIB}/ruby/3.1.0/other.so`, mode: X }, '/usr/lib/ruby/3.1.0/date.rb',
  '/usr/lib/python3.11/_strptime.py', '/usr/lib/python3.11/calendar.py', { path: '/usr/lib/python3.11/lib-dynload/_ext.cpython-311-x86_64-linux-gnu.so', mode: X },
  { path: `${LIB}/libruby-3.1.so.3.1`, mode: X }, '/usr/lib/ruby/3.1.0/unicode_normalize/normalize.rb', '/usr/lib/ruby/3.1.0/set.rb',
  '/usr/lib/python3/dist-packages/lxml/__init__.py', '/usr/lib/python3/dist-packages/lxml/_elementpath.py', { path: '/usr/lib/python3/dist-packages/lxml/etree.cpython-311-x86_64-linux-gnu.so', mode: X },
];
const elf: Record<string, ElfInfo> = {
  [`${LIB}/ruby/3.1.0/psych.so`]: elfInfo({ imports: ['rb_require'] }),
  [`${LIB}/ruby/3.1.0/other.so`]: elfInfo({ imports: ['dlopen'] }),
  [`${LIB}/libruby-3.1.so.3.1`]: elfInfo({ defines: ['rb_require'] }),
  '/usr/lib/python3.11/lib-dynload/_ext.cpython-311-x86_64-linux-gnu.so': elfInfo({ imports: ['PyImport_ImportModule'] }),
  '/usr/lib/python3/dist-packages/lxml/etree.cpython-311-x86_64-linux-gnu.so': elfInfo({ imports: ['PyImport_ImportModuleLevelObject'] }),
};
const strings: Record<string, ElfStrings> = {
  [`${LIB}/ruby/3.1.0/psych.so`]: { paths: [], words: ['psych/syntax_error', 'load', 'Psych::Nodes', 'no such file'], imports: ['rb_require'] },
  [`${LIB}/ruby/3.1.0/other.so`]: { paths: [], words: ['date'], imports: ['dlopen'] },
  [`${LIB}/libruby-3.1.so.3.1`]: { paths: [], words: ['unicode_normalize/normalize.rb', 'set', 'unicode_normalize/nope.rb'], defines: ['rb_require'] },
  '/usr/lib/python3.11/lib-dynload/_ext.cpython-311-x86_64-linux-gnu.so': { paths: [], words: ['_strptime', 'strptime', 'not a module'], imports: ['PyImport_ImportModule'] },
  '/usr/lib/python3/dist-packages/lxml/etree.cpython-311-x86_64-linux-gnu.so': { paths: [], words: ['_elementpath', 'tag'], imports: ['PyImport_ImportModuleLevelObject'] },
};

function run(trace: TraceLike[], references = true): Selection {
  const index = memIndex(specs);
  const facts = (p: string): FileFacts | undefined => (elf[p] ? { elf: elf[p], strings: strings[p] ?? { paths: [] } } : index.get(p) ? {} : undefined);
  return select({
    index, trace, facts, read: memRead(index), refs: () => undefined, options: { references },
    config: { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: { Env: ['PATH=/usr/bin'], Cmd: ['/usr/bin/ruby'] } },
  });
}
const reasons = (s: Selection, p: string) => (s.keep.get(p)?.reasons ?? []).map(formatReason);

describe('modules compiled code imports by name', () => {
  const trace = [ev('/usr/bin/ruby', 'x'), ev(`${LIB}/ruby/3.1.0/psych.so`), ev(`${LIB}/ruby/3.1.0/other.so`), ev('/usr/lib/python3.11/lib-dynload/_ext.cpython-311-x86_64-linux-gnu.so'), ev('/usr/lib/python3/dist-packages/lxml/etree.cpython-311-x86_64-linux-gnu.so')];

  it('a string that names a module of the language whose import function the file imports', () => {
    const sel = run(trace);
    expect(reasons(sel, '/usr/lib/ruby/3.1.0/psych/syntax_error.rb')).toEqual([`imported by ${LIB}/ruby/3.1.0/psych.so (rb_require psych/syntax_error)`]);
    expect(reasons(sel, '/usr/lib/python3.11/_strptime.py')).toEqual(['imported by /usr/lib/python3.11/lib-dynload/_ext.cpython-311-x86_64-linux-gnu.so (PyImport_ImportModule _strptime)']);
    // a sibling in the extension's own package (Cython's `from lxml import _elementpath`)
    expect(reasons(sel, '/usr/lib/python3/dist-packages/lxml/_elementpath.py')).toEqual(['imported by /usr/lib/python3/dist-packages/lxml/etree.cpython-311-x86_64-linux-gnu.so (PyImport_ImportModuleLevelObject _elementpath)']);
  });

  it('nothing for strings that name no module, or of a file that imports no import function', () => {
    const sel = run(trace);
    for (const p of ['/usr/lib/ruby/3.1.0/psych/unused.rb', '/usr/lib/ruby/3.1.0/date.rb', '/usr/lib/python3.11/calendar.py']) expect(sel.keep.has(p), p).toBe(false);
    expect(sel.unresolved.filter((u) => /load|strptime|no such/.test(u.name))).toEqual([]);
  });

  it('the interpreter\'s own library (it defines the import function): only names of more than one part', () => {
    const sel = run([ev('/usr/bin/ruby', 'x'), ev(`${LIB}/libruby-3.1.so.3.1`)]);
    expect(reasons(sel, '/usr/lib/ruby/3.1.0/unicode_normalize/normalize.rb')).toEqual([`imported by ${LIB}/libruby-3.1.so.3.1 (rb_require unicode_normalize/normalize.rb)`]);
    expect(sel.keep.has('/usr/lib/ruby/3.1.0/set.rb')).toBe(false); // a bare word: as often a method name
    expect(sel.unresolved.filter((u) => /nope/.test(u.name))).toEqual([]);
  });

  it('--no-references: none', () => {
    expect(run(trace, false).keep.has('/usr/lib/ruby/3.1.0/psych/syntax_error.rb')).toBe(false);
  });
});
