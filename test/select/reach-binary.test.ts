// The selector's phase for what kept binaries name and for data families: reasons, the
// fixpoint with the library closure (a library loaded by name, then the data it names), and
// --no-references. Facts are hand-made: strings as src/elf/strings.ts returns them.
import { describe, expect, it } from 'vitest';
import { formatReason, select } from '../../src/select/index.js';
import type { FileFacts, SelectOptions, Selection, TraceLike } from '../../src/select/index.js';
import type { ElfInfo, ElfStrings } from '../../src/elf/index.js';
import { memIndex, memRead, type Spec } from './memindex.js';

const X = 0o755;
const LIB = '/usr/lib/x86_64-linux-gnu';
const elfInfo = (needed: string[] = [], o: Partial<ElfInfo> = {}): ElfInfo => ({
  class: 64, endian: 'le', machine: 62, type: 'dyn', needed, nodeflib: false, static: false, ...o,
});
const ev = (path: string, intent = 'r', result = '0'): TraceLike => ({ syscall: 'openat', intent, result, path });

const specs: Spec[] = [
  { path: '/bin', link: 'usr/bin' },
  { path: '/lib64/ld-linux-x86-64.so.2', mode: X }, { path: `${LIB}/libc.so.6`, mode: X },
  { path: '/usr/local/bin/app', mode: X }, { path: '/usr/bin/xz', mode: X }, { path: '/usr/bin/sh', mode: X },
  { path: `${LIB}/libmagic.so.1`, link: 'libmagic.so.1.0.0' }, { path: `${LIB}/libmagic.so.1.0.0`, mode: X }, { path: `${LIB}/libz.so.1`, mode: X },
  '/usr/share/app/items/a.txt', '/usr/share/app/items/b.txt', '/usr/lib/file/magic.mgc', { path: '/usr/share/misc/magic.mgc', link: '../../lib/file/magic.mgc' },
  '/usr/share/locale/en/LC_MESSAGES/app.mo', '/usr/share/locale/de/LC_MESSAGES/app.mo', '/usr/share/locale/fr/LC_MESSAGES/app.mo',
  '/etc/passwd', '/etc/group',
];
const elf: Record<string, ElfInfo> = {
  '/lib64/ld-linux-x86-64.so.2': elfInfo(),
  [`${LIB}/libc.so.6`]: elfInfo(['ld-linux-x86-64.so.2']),
  [`${LIB}/libz.so.1`]: elfInfo(['libc.so.6']),
  [`${LIB}/libmagic.so.1.0.0`]: elfInfo(['libz.so.1', 'libc.so.6'], { imports: ['posix_spawnp'] }),
  '/usr/local/bin/app': elfInfo(['libc.so.6'], { interpreter: '/lib64/ld-linux-x86-64.so.2', imports: ['execlp', 'dlopen'] }),
  '/usr/bin/xz': elfInfo(['libc.so.6'], { interpreter: '/lib64/ld-linux-x86-64.so.2' }),
  '/usr/bin/sh': elfInfo(['libc.so.6'], { interpreter: '/lib64/ld-linux-x86-64.so.2' }),
};
const strings: Record<string, ElfStrings> = {
  '/usr/local/bin/app': { paths: ['/usr/share/app/items/', '/bin/sh'], words: ['xz', '-9', 'libmagic.so.1', 'hello'] },
  [`${LIB}/libmagic.so.1.0.0`]: { paths: ['/usr/share/misc/magic'], words: ['gzip'] },
  [`${LIB}/libc.so.6`]: { paths: ['/etc/passwd'] },
};

function run(trace: TraceLike[], options?: SelectOptions): { sel: Selection; asked: string[] } {
  const index = memIndex(specs);
  const asked: string[] = [];
  const facts = (p: string): FileFacts | undefined => {
    if (!elf[p]) return index.get(p) ? {} : undefined;
    const f: FileFacts = {
      elf: elf[p],
      get strings() {
        asked.push(p);
        return strings[p] ?? { paths: [] };
      },
    };
    return f;
  };
  const sel = select({
    index, trace, facts, read: memRead(index), refs: () => undefined, options,
    config: { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: { Env: ['PATH=/usr/local/bin:/usr/bin:/bin'], Cmd: ['/usr/local/bin/app'] } },
  });
  return { sel, asked };
}
const reasons = (s: Selection, p: string) => (s.keep.get(p)?.reasons ?? []).map(formatReason);

describe('what kept binaries name', () => {
  const trace = [ev('/usr/local/bin/app', 'x'), ev(`${LIB}/libc.so.6`)];

  it('paths, programs and libraries, each with the string that named it; a library loaded by name brings its closure and what it names', () => {
    const { sel } = run(trace);
    expect(reasons(sel, '/usr/share/app/items/b.txt')).toEqual(['path in the strings of /usr/local/bin/app ("/usr/share/app/items/")']);
    expect(reasons(sel, '/usr/bin/xz')).toEqual(['program run by name by /usr/local/bin/app ("xz")']);
    expect(reasons(sel, `${LIB}/libmagic.so.1.0.0`)[0]).toBe('library loaded by name by /usr/local/bin/app ("libmagic.so.1")');
    expect(reasons(sel, `${LIB}/libz.so.1`)[0]).toMatch(/NEEDED by .*libmagic/);
    expect(reasons(sel, '/usr/lib/file/magic.mgc').join()).toMatch(/extension appended to "\/usr\/share\/misc\/magic"/);
    expect(sel.keep.get('/usr/bin/xz')!.byReference).toBe(true);
    // libmagic imports posix_spawnp but gzip is not on this image's PATH: nothing
    expect(sel.keep.has('/usr/bin/gzip')).toBe(false);
  });

  it('only kept ELF files are read for strings', () => {
    const { sel, asked } = run(trace);
    for (const p of asked) expect(sel.keep.has(p), p).toBe(true);
    expect(asked).toContain('/usr/local/bin/app');
  });

  it('--no-references: no strings read, nothing kept by name', () => {
    const { sel, asked } = run(trace, { references: false });
    expect(asked).toEqual([]);
    expect(sel.keep.has('/usr/bin/xz')).toBe(false);
    expect(sel.keep.has('/usr/share/app/items/b.txt')).toBe(false);
    expect(sel.families ?? []).toEqual([]);
  });

  it('a directory over --binary-dir-limit is not kept whole, and the report says so', () => {
    const { sel } = run(trace, { binaryDirLimit: 15 });
    expect(sel.keep.has('/usr/share/app/items/b.txt')).toBe(false);
    expect(sel.unresolved).toContainEqual(expect.objectContaining({ from: '/usr/local/bin/app', kind: 'subtree', name: '/usr/share/app/items' }));
  });
});

describe('data families', () => {
  const mo = (l: string) => `/usr/share/locale/${l}/LC_MESSAGES/app.mo`;
  const trace = [ev('/usr/local/bin/app', 'x'), ev(mo('en_US.UTF-8'), 's', 'ENOENT'), ev(mo('en_US'), 's', 'ENOENT'), ev(mo('en'))];

  it('the siblings of a file chosen by a computed key, with the family in the selection', () => {
    const { sel } = run(trace);
    expect(reasons(sel, mo('de'))).toEqual([`family of ${mo('en')}: /usr/share/locale/*/LC_MESSAGES/app.mo (2 other names of this shape tried)`]);
    expect(sel.families).toEqual([{ pattern: '/usr/share/locale/*/LC_MESSAGES/app.mo', trigger: mo('en'), evidence: '2 other names of this shape tried', files: 3, bytes: 30 }]);
  });

  it('--family-limit cuts a family: nothing kept, reported', () => {
    const { sel } = run(trace, { familyLimit: 10 });
    expect(sel.keep.has(mo('de'))).toBe(false);
    expect(sel.families![0]!.cut).toBe(true);
    expect(sel.unresolved).toContainEqual(expect.objectContaining({ kind: 'family', name: '/usr/share/locale/*/LC_MESSAGES/app.mo' }));
  });
});
