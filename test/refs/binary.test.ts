// What kept ELF files name in their strings (src/refs/binary.ts) and data families
// (src/refs/families.ts), over in-memory filesystems.
import { describe, expect, it } from 'vitest';
import { indexView } from '../../src/elf/index.js';
import type { ElfInfo } from '../../src/elf/index.js';
import { binaryRefs, dataFamilies, Fs, kindOf, pathRefs, type FamilyEvent } from '../../src/refs/index.js';
import { memIndex, memRead, type Spec } from '../select/memindex.js';

const X = 0o755;
const fsOf = (specs: Spec[]) => {
  const index = memIndex(specs);
  return new Fs(indexView(index, memRead(index)));
};
// a program (PIE, with an interpreter); a shared library has none
const elf = (o: Partial<ElfInfo> = {}): ElfInfo => ({ class: 64, endian: 'le', machine: 62, type: 'dyn', interpreter: '/lib64/ld-linux-x86-64.so.2', needed: [], nodeflib: false, static: false, ...o });
const ctx = (fs: Fs) => ({ fs, pathVar: '/usr/local/bin:/usr/bin:/bin', ldLibraryPath: [], ldSoConfDirs: ['/usr/local/lib'] });
/** Content past the size under which a directory is kept whole whatever it holds (src/refs/binary.ts SMALL_DIR). */
const BIG = 'x'.repeat((1 << 20) + 1);
const kept = (refs: Array<{ path: string; subtree?: boolean }>) => refs.map((r) => r.path + (r.subtree ? '/**' : '')).sort();

describe('paths in strings', () => {
  const fs = fsOf([
    '/usr/share/app/data/a.db', '/usr/share/app/data/b.db', '/etc/hosts', '/etc/app.conf',
    '/usr/share/misc/magic.mgc', '/usr/share/locale/de/LC_MESSAGES/x.mo', '/usr/share/locale/fr/LC_MESSAGES/x.mo', '/usr/share/locale/locale.alias',
    { path: '/usr/lib/app/plugins/p.so', mode: X, content: BIG }, '/srv/data/tables', '/srv/data/more',
  ]);

  it('a file as itself, a data directory whole, nothing for what is not there', () => {
    expect(kept(pathRefs('/etc/app.conf', fs, false))).toEqual(['/etc/app.conf']);
    expect(kept(pathRefs('/usr/share/app/data/', fs, false))).toEqual(['/usr/share/app/data/**']);
    expect(pathRefs('/etc/nothere.conf', fs, false)).toEqual([]);
  });

  it('not whole: broad system directories, namespaces of subdirectories, directories of code', () => {
    expect(kept(pathRefs('/usr/share', fs, false))).toEqual(['/usr/share']);
    expect(kept(pathRefs('/usr/share/locale', fs, false))).toEqual(['/usr/share/locale']);
    expect(kept(pathRefs('/usr/lib/app/plugins', fs, false))).toEqual(['/usr/lib/app/plugins']);
  });

  it('a base name the program appends an extension to', () => {
    const r = pathRefs('/usr/share/misc/magic', fs, false);
    expect(kept(r)).toEqual(['/usr/share/misc/magic.mgc']);
    expect(r[0]!.how).toBe('extension appended to');
  });

  it('Go: runs of strings back to back are split where the filesystem says', () => {
    expect(kept(pathRefs('/etc/hostsGET', fs, true))).toEqual(['/etc/hosts']);
    expect(kept(pathRefs('/etc/hostsHTTP/1.1/srv/data/tablesGET', fs, true))).toEqual(['/etc/hosts', '/srv/data/tables']);
    expect(kept(pathRefs('/usr/share/app/data/usr/share/misc/magic.mgc', fs, true))).toEqual(['/usr/share/app/data/**', '/usr/share/misc/magic.mgc']);
    // a C string is NUL-terminated: no splitting
    expect(pathRefs('/etc/hostsGET', fs, false)).toEqual([]);
  });

  it('virtual filesystems are never kept', () => {
    expect(pathRefs('/proc/self/exe', fsOf(['/proc/self/exe']), false)).toEqual([]);
  });
});

describe('programs and libraries by name', () => {
  const fs = fsOf([
    { path: '/usr/bin/xz', mode: X }, { path: '/usr/bin/gzip', mode: X }, { path: '/usr/bin/join', mode: X },
    { path: '/usr/bin/sort', mode: X }, { path: '/usr/bin/unxz', link: 'xz' }, '/usr/bin/README',
    { path: '/usr/lib/x86_64-linux-gnu/libfoo.so.1', mode: X }, { path: '/usr/lib/x86_64-linux-gnu/libbar.so.2.1', mode: X },
    { path: '/usr/lib/x86_64-linux-gnu/libbar.so.2', link: 'libbar.so.2.1' }, { path: '/usr/local/lib/libbaz.so.0', mode: X },
    { path: '/opt/app/lib/libown.so', mode: X },
  ]);

  it('programs only for a file that imports an exec call: whole strings, a bin path, a command line', () => {
    const words = ['xz', 'README', 'unxz', 'hello', '/opt/bin/gzip', 'sort -u %s', 'join'];
    const none = binaryRefs('/app/prog', elf(), { paths: [], words }, ctx(fs));
    expect(none).toEqual([]);
    const byExec = binaryRefs('/app/prog', elf({ imports: ['execvp'] }), { paths: [], words }, ctx(fs));
    expect(kept(byExec)).toEqual(['/usr/bin/gzip', '/usr/bin/join', '/usr/bin/unxz', '/usr/bin/xz']);
    // system/popen run command lines: their first word
    const byShell = binaryRefs('/app/prog', elf({ imports: ['popen'] }), { paths: [], words }, ctx(fs));
    expect(kept(byShell)).toEqual(['/usr/bin/gzip', '/usr/bin/join', '/usr/bin/sort', '/usr/bin/unxz', '/usr/bin/xz']);
    expect(byShell.find((r) => r.path === '/usr/bin/sort')!.how).toBe('command line');
    // a sentence starting with a program's name is not a command line
    expect(binaryRefs('/app/prog', elf({ imports: ['system'] }), { paths: [], words: ['sort order is wrong'] }, ctx(fs))).toEqual([]);
  });

  it('a file whose whole strings name many programs uses words, not helpers: none kept, told', () => {
    const many = Array.from({ length: 14 }, (_, i) => ({ path: `/usr/bin/w${i}`, mode: X }));
    const f = fsOf(many);
    const told: string[][] = [];
    const refs = binaryRefs('/usr/bin/interp', elf({ imports: ['system'] }), { paths: [], words: many.map((m) => m.path.slice(9)) }, { ...ctx(f), tooMany: (_f, n) => told.push(n) });
    expect(refs).toEqual([]);
    expect(told[0]).toHaveLength(14);
  });

  it('libraries only for a file that imports dlopen, found as the loader would, suffixes appended', () => {
    const words = ['libfoo.so.1', 'libbar.so', 'libbaz', 'libnone.so.3', 'libown.so', 'library', 'not a lib'];
    expect(binaryRefs('/opt/app/bin/prog', elf(), { paths: [], words }, ctx(fs))).toEqual([]);
    const refs = binaryRefs('/opt/app/bin/prog', elf({ imports: ['dlopen'], runpath: ['$ORIGIN/../lib'] }), { paths: [], words }, ctx(fs));
    expect(kept(refs)).toEqual([
      '/opt/app/lib/libown.so', // RUNPATH with $ORIGIN
      '/usr/lib/x86_64-linux-gnu/libbar.so.2', '/usr/lib/x86_64-linux-gnu/libbar.so.2.1', // "libbar.so" + a version
      '/usr/lib/x86_64-linux-gnu/libfoo.so.1',
      '/usr/local/lib/libbaz.so.0', // ld.so.conf dir, "libbaz" + ".so.0"
    ]);
    expect(refs.find((r) => r.path.endsWith('libfoo.so.1'))!.string).toBe('libfoo.so.1');
  });
});

describe('data families', () => {
  const ok = (path: string, intent = 'r'): FamilyEvent => ({ path, intent, ok: true });
  const no = (path: string, intent = 'r'): FamilyEvent => ({ path, intent, ok: false });
  const loc = (l: string) => `/usr/share/locale/${l}/LC_MESSAGES/app.mo`;
  const fs = fsOf([
    loc('en'), loc('de'), loc('fr'), '/usr/share/locale/de/LC_MESSAGES/other.mo',
    '/usr/share/app/i18n/en.json', '/usr/share/app/i18n/de.json', '/usr/share/app/i18n/ja.json', '/usr/share/app/i18n/README.md',
    '/usr/share/zoneinfo/Europe/Paris', '/usr/share/zoneinfo/Europe/Rome', '/usr/share/zoneinfo/Europe/Oslo',
    '/usr/lib/app/plugins/a.so', '/usr/lib/app/plugins/b.so', '/usr/lib/app/plugins/c.so',
    '/usr/lib/py/mod/a.py', '/usr/lib/py/mod/b.py', '/usr/lib/py/mod/c.py',
    '/etc/app/one.conf', '/etc/app/two.conf',
  ]);
  const opts = { limitBytes: 64 << 20 };

  it('a key in a directory level: the candidates tried are the evidence', () => {
    const fams = dataFamilies([no(loc('en_GB.UTF-8'), 's'), no(loc('en_GB'), 's'), ok(loc('en'))], fs, opts);
    expect(fams).toHaveLength(1);
    expect(fams[0]).toMatchObject({ pattern: '/usr/share/locale/*/LC_MESSAGES/app.mo', trigger: loc('en'), evidence: '2 other names of this shape tried' });
    expect(fams[0]!.members.sort()).toEqual([loc('de'), loc('en'), loc('fr')]); // not other.mo
  });

  it('a key in the file name: siblings of the same kind only', () => {
    const fams = dataFamilies([no('/usr/share/app/i18n/en_US.json'), ok('/usr/share/app/i18n/en.json')], fs, opts);
    expect(fams[0]!.pattern).toBe('/usr/share/app/i18n/*.json');
    expect(fams[0]!.members.sort()).toEqual(['/usr/share/app/i18n/de.json', '/usr/share/app/i18n/en.json', '/usr/share/app/i18n/ja.json']);
  });

  it('a directory of files all of one kind of which the run read one', () => {
    expect(dataFamilies([ok('/usr/share/zoneinfo/Europe/Paris')], fs, opts)[0]!.members).toHaveLength(3);
    expect(dataFamilies([ok('/usr/lib/app/plugins/b.so')], fs, opts)[0]).toMatchObject({ pattern: '/usr/lib/app/plugins/*.so', evidence: 'the only one read of 3 .so files' });
    // read several of them: a program loading what it needs, not one key's file
    expect(dataFamilies([ok('/usr/lib/py/mod/a.py'), ok('/usr/lib/py/mod/b.py')], fs, opts)).toEqual([]);
    // mixed kinds, two files: no family
    expect(dataFamilies([ok('/usr/share/app/i18n/README.md')], fs, opts)).toEqual([]);
    expect(dataFamilies([ok('/etc/app/one.conf')], fs, opts)).toEqual([]);
  });

  it('not a keyed choice: libraries the loader opened, writes, execs', () => {
    expect(dataFamilies([ok('/usr/lib/app/plugins/b.so')], fs, { ...opts, skip: (p) => p.endsWith('b.so') })).toEqual([]);
    expect(dataFamilies([ok('/usr/lib/app/plugins/b.so', 'x'), ok('/usr/share/zoneinfo/Europe/Paris', 'w')], fs, opts)).toEqual([]);
  });

  it('bounded: a family larger than the bound is cut, kept empty, and says so', () => {
    const fams = dataFamilies([no(loc('en_GB'), 's'), ok(loc('en'))], fs, { limitBytes: 20 });
    expect(fams[0]).toMatchObject({ cut: true, members: [] });
    expect(fams[0]!.bytes).toBe(30);
  });

  it('kinds', () => {
    expect([kindOf('x.mo'), kindOf('libfoo.so.1.2'), kindOf('Paris'), kindOf('a.1'), kindOf('.hidden')]).toEqual(['.mo', '.so', '', '', '']);
  });
});

describe('data families are data', () => {
  it('a package of modules is not a family: code is followed by its imports', () => {
    const fs = fsOf(['/usr/lib/py/enc/__init__.py', '/usr/lib/py/enc/a.py', '/usr/lib/py/enc/b.py', '/usr/lib/rb/x/a.rb', '/usr/lib/rb/y/a.rb']);
    const evs: FamilyEvent[] = [{ path: '/usr/lib/py/enc/__init__.py', intent: 'r', ok: true },
      { path: '/usr/lib/rb/x/a.rb', intent: 'r', ok: false }, { path: '/usr/lib/rb/y/a.rb', intent: 'r', ok: true }];
    expect(dataFamilies(evs, fs, { limitBytes: 1 << 20 })).toEqual([]);
  });
});

describe('a runtime\'s library directory is code, not data', () => {
  it('named by the runtime, kept as a directory only (its modules are followed by their imports)', () => {
    const fs = fsOf(['/usr/lib/ruby/3.1.0/json.rb', '/usr/lib/ruby/3.1.0/set.rb', '/usr/lib/perl/Carp.pm', '/usr/lib/perl/Exporter.pm']);
    expect(kept(pathRefs('/usr/lib/ruby/3.1.0', fs, false))).toEqual(['/usr/lib/ruby/3.1.0']);
    expect(kept(pathRefs('/usr/lib/perl', fs, false))).toEqual(['/usr/lib/perl']);
  });

  it('the C library keeps the files it names, not whole directories', () => {
    const fs = fsOf(['/usr/share/zoneinfo/UTC', '/usr/share/zoneinfo/CET', '/usr/share/zoneinfo/Europe/Paris', '/etc/gai.conf']);
    const libc = elf({ soname: 'libc.so.6' });
    expect(kept(binaryRefs('/usr/lib/x86_64-linux-gnu/libc.so.6', libc, { paths: ['/usr/share/zoneinfo', '/etc/gai.conf'] }, ctx(fs)))).toEqual(['/etc/gai.conf', '/usr/share/zoneinfo']);
    expect(kept(binaryRefs('/usr/lib/libicuuc.so.72', elf({ soname: 'libicuuc.so.72' }), { paths: ['/usr/share/zoneinfo/'] }, ctx(fs)))).toEqual(['/usr/share/zoneinfo/**']);
  });
});

describe('library names are whole', () => {
  it('not a word inside a compiler command line', () => {
    const fs = fsOf([{ path: '/usr/lib/x86_64-linux-gnu/libxml2.so.2', mode: X }]);
    const refs = binaryRefs('/usr/bin/pg', elf({ imports: ['dlopen'] }), { paths: [], words: ['-D_GNU_SOURCE -I/usr/include/libxml2', 'include/libxml2'] }, ctx(fs));
    expect(refs).toEqual([]);
    expect(kept(binaryRefs('/usr/bin/pg', elf({ imports: ['dlopen'] }), { paths: [], words: ['libxml2'] }, ctx(fs)))).toEqual(['/usr/lib/x86_64-linux-gnu/libxml2.so.2']);
  });
});

describe('a tree with code anywhere in it is not data', () => {
  it('a package database with maintainer scripts below it', () => {
    const fs = fsOf([{ path: '/var/lib/pkgdb/status', content: BIG }, '/var/lib/pkgdb/available', { path: '/var/lib/pkgdb/info/x.postinst', mode: X }, '/var/lib/pkgdb/info/x.list']);
    expect(kept(pathRefs('/var/lib/pkgdb', fs, false))).toEqual(['/var/lib/pkgdb']);
  });
});

describe('directories of helpers and plugins', () => {
  const fs = fsOf([
    { path: '/usr/lib/git-core/git-upload-pack', mode: X, content: BIG }, { path: '/usr/lib/git-core/git-remote-http', mode: X }, '/usr/lib/git-core/mergetools/vimdiff',
    { path: '/usr/lib/x86_64-linux-gnu/gawk/time.so', mode: X, content: BIG }, { path: '/usr/lib/x86_64-linux-gnu/gawk/fork.so', mode: X },
    '/usr/share/git-core/templates/description', { path: '/usr/share/git-core/templates/hooks/update.sample', mode: X }, '/usr/share/git-core/templates/info/exclude',
    { path: '/usr/lib/rt/5.36/auto/POSIX/POSIX.so', mode: X }, '/usr/lib/rt/5.36/POSIX.pm',
  ]);
  const run = { run: true, load: false };
  const load = { run: false, load: true };

  it('a program that runs programs by name keeps a directory of executables it names whole: its helpers, a tree it installs', () => {
    expect(kept(pathRefs('/usr/lib/git-core', fs, false, run))).toEqual(['/usr/lib/git-core/**']);
    expect(kept(pathRefs('/usr/share/git-core/templates', fs, false, run))).toEqual(['/usr/share/git-core/templates/**']);
    expect(kept(pathRefs('/usr/lib/git-core', fs, false, load))).toEqual(['/usr/lib/git-core']);
  });

  it('a program that loads libraries by name keeps a directory of shared objects it names whole: its plugins', () => {
    expect(kept(pathRefs('/usr/lib/x86_64-linux-gnu/gawk', fs, false, load))).toEqual(['/usr/lib/x86_64-linux-gnu/gawk/**']);
    expect(kept(pathRefs('/usr/lib/x86_64-linux-gnu/gawk', fs, false, run))).toEqual(['/usr/lib/x86_64-linux-gnu/gawk']);
  });

  it('a path written relative to the install prefix of a program in a bin directory', () => {
    const fs2 = fsOf([{ path: '/usr/bin/git', mode: X }, ...['description', 'info/exclude'].map((f) => `/usr/share/git-core/templates/${f}`), { path: '/usr/share/git-core/templates/hooks/update.sample', mode: X }]);
    const refs = binaryRefs('/usr/bin/git', elf({ imports: ['execvp'] }), { paths: [], words: ['share/git-core/templates', 'share/nothere', 'lib', 'share'], imports: ['execvp'] }, ctx(fs2));
    expect(refs.map((r) => [r.path, r.subtree, r.how, r.string])).toEqual([['/usr/share/git-core/templates', true, 'install prefix /usr +', 'share/git-core/templates']]);
  });

  it('a keyed database in one-character buckets is data; per-language subdirectories are a namespace', () => {
    const fs2 = fsOf([{ path: '/usr/lib/terminfo/v/vt100', content: BIG }, '/usr/lib/terminfo/x/xterm', '/usr/lib/terminfo/x/xterm-256color', '/usr/lib/terminfo/E/Eterm',
      { path: '/usr/share/app/de/x.mo', content: BIG }, '/usr/share/app/fr/x.mo']);
    expect(kept(pathRefs('/usr/lib/terminfo', fs2, false))).toEqual(['/usr/lib/terminfo/**']);
    expect(kept(pathRefs('/usr/share/app', fs2, false))).toEqual(['/usr/share/app']);
  });

  it('a small directory whole whatever it holds; a large database with scripts below it not, even for a program that runs programs', () => {
    const fs2 = fsOf(['/usr/share/tool/skel/description', { path: '/usr/share/tool/skel/hooks/update.sample', mode: X }, '/usr/share/tool/skel/info/exclude',
      { path: '/var/lib/pkgdb/status', content: BIG }, '/var/lib/pkgdb/available', { path: '/var/lib/pkgdb/info/x.postinst', mode: X }]);
    expect(kept(pathRefs('/usr/share/tool/skel', fs2, false))).toEqual(['/usr/share/tool/skel/**']);
    expect(kept(pathRefs('/var/lib/pkgdb', fs2, false, { run: true, load: true }))).toEqual(['/var/lib/pkgdb']);
  });

  it('never a directory holding modules of an interpreted language: imports find those one by one', () => {
    expect(kept(pathRefs('/usr/lib/rt/5.36', fs, false, { run: true, load: true }))).toEqual(['/usr/lib/rt/5.36']);
  });
});

describe('through links', () => {
  it('a directory named through a symlink is looked at where it is', () => {
    const fs = fsOf([{ path: '/lib', link: 'usr/lib' }, { path: '/usr/lib/perl/5.36', link: '5.36.0' }, '/usr/lib/perl/5.36.0/Carp.pm', '/usr/lib/perl/5.36.0/a.txt',
      { path: '/usr/lib/sec/pam_unix.so', mode: X, content: BIG }, '/usr/lib/sec/pam.conf']);
    expect(kept(pathRefs('/usr/lib/perl/5.36', fs, false))).toEqual(['/usr/lib/perl/5.36']);
    expect(kept(pathRefs('/lib/sec/', fs, false))).toEqual(['/lib/sec']);
  });
});
