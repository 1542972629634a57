import { describe, expect, it } from 'vitest';
import { selectKeep, explain, globToRegExp } from '../../src/select/index.js';
import type { FileFacts, KeepSet, TraceLike } from '../../src/select/index.js';
import type { ImageConfig } from '../../src/image/types.js';
import type { ElfInfo } from '../../src/elf/index.js';
import { memIndex, type Spec } from './memindex.js';

const X = 0o755;
const cfg = (c: ImageConfig['config'] = {}): ImageConfig => ({
  architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] },
  config: { Env: ['PATH=/usr/local/bin:/usr/bin:/bin'], ...c },
});
const ev = (intent: string, path: string, result = '0', syscall = 'openat'): TraceLike => ({ syscall, intent, result, path });
/** An x86-64 shared object (PIE executables are ET_DYN too), as src/elf's parser reports it. */
const elfInfo = (o: Partial<ElfInfo> = {}): ElfInfo => ({
  class: 64, endian: 'le', machine: 62, type: 'dyn', needed: [], nodeflib: false,
  static: o.interpreter === undefined && (o.needed ?? []).length === 0, ...o,
});
const elf = (needed: string[] = [], interpreter?: string): FileFacts => ({ elf: elfInfo({ needed, interpreter }) });

/** Merged-/usr debian-like base every test starts from. */
const base: Spec[] = [
  { path: '/bin', link: 'usr/bin' },
  { path: '/lib', link: 'usr/lib' },
  { path: '/lib64', link: 'usr/lib64' },
  { path: '/usr/lib64/ld-linux-x86-64.so.2', link: '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' },
  { path: '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', mode: X },
  { path: '/usr/lib/x86_64-linux-gnu/libc.so.6', mode: X },
  { path: '/usr/lib/x86_64-linux-gnu/libm.so.6', mode: X },
  { path: '/usr/bin/dash', mode: X },
  { path: '/usr/bin/sh', link: 'dash' },
  '/etc/passwd', '/etc/group', '/etc/nsswitch.conf', '/etc/shadow', '/etc/ld.so.cache',
  '/usr/share/doc/', '/usr/share/doc/readme', '/var/cache/', '/tmp/',
];
const baseFacts: Record<string, FileFacts> = {
  '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2': elf(),
  '/usr/lib/x86_64-linux-gnu/libc.so.6': elf(['ld-linux-x86-64.so.2']),
  '/usr/lib/x86_64-linux-gnu/libm.so.6': elf(['libc.so.6']),
  '/usr/bin/dash': elf(['libc.so.6'], '/lib64/ld-linux-x86-64.so.2'),
};

function run(specs: Spec[], trace: TraceLike[], o: { facts?: Record<string, FileFacts>; config?: ImageConfig; options?: Parameters<typeof selectKeep>[0]['options'] } = {}) {
  const index = memIndex([...base, ...specs]);
  const facts = { ...baseFacts, ...o.facts };
  const keep = selectKeep({ index, trace, facts: (p) => facts[p], config: o.config ?? cfg(), options: o.options });
  checkInvariants(keep, index);
  return keep;
}

/** Every kept entry has a reason, is the index's own entry, and its parents are kept. */
function checkInvariants(keep: KeepSet, index: ReturnType<typeof memIndex>) {
  for (const [p, k] of keep) {
    expect(k.reasons.length, p).toBeGreaterThan(0);
    expect(k.entry).toBe(index.get(p));
    for (let q = p; q !== '/'; ) {
      q = q.slice(0, q.lastIndexOf('/')) || '/';
      expect(keep.has(q), `parent ${q} of ${p}`).toBe(true);
    }
  }
}

describe('selectKeep', () => {
  it('keeps a stat-only landmark (python os.py) but not its untraced siblings', () => {
    const keep = run(['/usr/lib/python3.11/os.py', '/usr/lib/python3.11/other.py'], [
      ev('s', '/usr/lib/python3.11/os.py', '0', 'newfstatat'),
    ]);
    expect(keep.has('/usr/lib/python3.11/os.py')).toBe(true);
    expect(keep.get('/usr/lib/python3.11/os.py')!.reasons[0]).toMatchObject({ kind: 'traced', detail: 'stat' });
    expect(keep.has('/usr/lib/python3.11/other.py')).toBe(false);
    expect(keep.has('/usr/lib/python3.11')).toBe(true);
  });

  it('follows symlink chains with absolute and relative links through merged /usr', () => {
    const keep = run([
      { path: '/usr/bin/python3', link: 'python3.11' },
      { path: '/usr/local/bin/py', link: '/bin/python3' },
      { path: '/usr/bin/python3.11', mode: X },
      { path: '/opt/app/lib', link: '../../usr/lib/x86_64-linux-gnu' },
    ], [ev('x', '/usr/local/bin/py', '0', 'execve'), ev('r', '/opt/app/lib/libm.so.6')], {
      facts: { '/usr/bin/python3.11': elf(['libm.so.6'], '/lib64/ld-linux-x86-64.so.2') },
    });
    for (const p of ['/usr/local/bin/py', '/bin', '/usr/bin/python3', '/usr/bin/python3.11', '/opt/app/lib',
      '/usr/lib/x86_64-linux-gnu/libm.so.6', '/lib64', '/usr/lib64/ld-linux-x86-64.so.2', '/lib',
      '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', '/usr/lib/x86_64-linux-gnu/libc.so.6']) {
      expect(keep.has(p), p).toBe(true);
    }
    expect(keep.get('/bin')!.reasons.map((r) => r.kind)).toContain('symlink-on-path');
    expect(keep.get('/usr/bin/python3.11')!.reasons.map((r) => r.kind)).toContain('symlink-target');
    expect(explain(keep, '/usr/lib/x86_64-linux-gnu/libc.so.6').length).toBeGreaterThan(1);
  });

  it('is loop-safe', () => {
    const keep = run([{ path: '/a', link: '/b' }, { path: '/b', link: 'a' }], [ev('r', '/a/x', 'ELOOP')]);
    expect(keep.has('/a')).toBe(true);
    expect(keep.has('/b')).toBe(true);
  });

  it('an ENOENT probe keeps the existing dirs and links on its way, nothing else', () => {
    const keep = run(['/usr/lib/x86_64-linux-gnu/tls/', '/usr/lib/x86_64-linux-gnu/tls/unrelated'], [
      ev('r', '/lib/x86_64-linux-gnu/tls/haswell/libfoo.so', 'ENOENT'),
    ]);
    expect(keep.has('/lib')).toBe(true);
    expect(keep.has('/usr/lib/x86_64-linux-gnu/tls')).toBe(true);
    expect(keep.has('/usr/lib/x86_64-linux-gnu/tls/unrelated')).toBe(false);
    expect(keep.has('/usr/lib/x86_64-linux-gnu/libc.so.6')).toBe(false);
  });

  it('a failed open of an existing path still keeps it', () => {
    const keep = run(['/etc/secret'], [ev('r', '/etc/secret', 'EACCES')]);
    expect(keep.get('/etc/secret')!.reasons[0]).toMatchObject({ kind: 'traced', detail: 'open (EACCES)' });
  });

  it('closes ELF interpreter and NEEDED with rpath, $ORIGIN and ld.so.conf dirs', () => {
    const keep = run([
      { path: '/opt/app/bin/server', mode: X }, '/opt/app/lib/libapp.so', '/opt/extra/libextra.so',
      '/opt/wrong/libextra.so',
    ], [ev('x', '/opt/app/bin/server', '0', 'execve')], {
      facts: {
        '/opt/app/bin/server': { elf: elfInfo({ interpreter: '/lib64/ld-linux-x86-64.so.2', needed: ['libapp.so', 'libc.so.6'], runpath: ['$ORIGIN/../lib'] }) },
        '/opt/app/lib/libapp.so': elf(['libextra.so', 'libm.so.6']),
        '/opt/wrong/libextra.so': { elf: elfInfo({ class: 32, machine: 3 }) },
        '/opt/extra/libextra.so': elf(),
      },
      options: { ldLibraryDirs: ['/opt/wrong', '/opt/extra'] },
    });
    expect(keep.has('/opt/app/lib/libapp.so')).toBe(true);
    expect(keep.has('/opt/extra/libextra.so')).toBe(true);
    expect(keep.has('/opt/wrong/libextra.so')).toBe(false);
    expect(keep.has('/usr/lib/x86_64-linux-gnu/libm.so.6')).toBe(true);
    expect(keep.has('/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2')).toBe(true);
    expect(keep.has('/etc/ld.so.cache')).toBe(true);
    expect(keep.get('/opt/app/lib/libapp.so')!.reasons).toContainEqual({ kind: 'elf-needed', of: '/opt/app/bin/server', detail: 'libapp.so' });
  });

  it('finds a library only through a DT_RPATH inherited from the executable', () => {
    const keep = run([
      { path: '/opt/app/bin/app', mode: X }, '/opt/app/lib/libouter.so', '/opt/app/lib/libinner.so',
      { path: '/opt/app/lib/libinner.so.1', link: 'libinner.so' },
    ], [ev('x', '/opt/app/bin/app', '0', 'execve')], {
      facts: {
        '/opt/app/bin/app': { elf: elfInfo({ interpreter: '/lib64/ld-linux-x86-64.so.2', needed: ['libouter.so', 'libc.so.6'], rpath: ['$ORIGIN/../lib'] }) },
        // no RPATH of its own: the loader searches the executable's DT_RPATH for its NEEDED too
        '/opt/app/lib/libouter.so': elf(['libinner.so.1', 'libc.so.6']),
        '/opt/app/lib/libinner.so': elf(['libc.so.6']),
      },
    });
    expect(keep.get('/opt/app/lib/libouter.so')!.reasons).toContainEqual({ kind: 'elf-needed', of: '/opt/app/bin/app', detail: 'libouter.so' });
    expect(keep.get('/opt/app/lib/libinner.so.1')!.reasons).toContainEqual({ kind: 'elf-needed', of: '/opt/app/lib/libouter.so', detail: 'libinner.so.1' });
    expect(keep.get('/opt/app/lib/libinner.so')!.reasons.map((r) => r.kind)).toEqual(['elf-needed', 'symlink-target']);
    expect(explain(keep, '/opt/app/lib/libinner.so')).toEqual([
      '/opt/app/lib/libinner.so: library libinner.so.1 NEEDED by /opt/app/lib/libouter.so; symlink target of /opt/app/lib/libinner.so.1',
      '/opt/app/lib/libouter.so: library libouter.so NEEDED by /opt/app/bin/app',
      '/opt/app/bin/app: traced exec of /opt/app/bin/app',
    ]);
    // DT_RUNPATH is not inherited: the same layout with RUNPATH leaves libinner out
    const runpath = run([
      { path: '/opt/app/bin/app', mode: X }, '/opt/app/lib/libouter.so', '/opt/app/lib/libinner.so',
    ], [ev('x', '/opt/app/bin/app', '0', 'execve')], {
      facts: {
        '/opt/app/bin/app': { elf: elfInfo({ interpreter: '/lib64/ld-linux-x86-64.so.2', needed: ['libouter.so'], runpath: ['$ORIGIN/../lib'] }) },
        '/opt/app/lib/libouter.so': elf(['libinner.so']),
        '/opt/app/lib/libinner.so': elf(),
      },
    });
    expect(runpath.has('/opt/app/lib/libouter.so')).toBe(true);
    expect(runpath.has('/opt/app/lib/libinner.so')).toBe(false);
  });

  it('keeps #! interpreters, through /usr/bin/env on the image PATH', () => {
    const keep = run([
      { path: '/app/run.sh', mode: X }, { path: '/app/tool', mode: X },
      { path: '/usr/bin/env', mode: X }, { path: '/usr/local/bin/node', mode: X }, { path: '/usr/bin/node', mode: X },
    ], [ev('x', '/app/run.sh', '0', 'execve'), ev('r', '/app/tool')], {
      facts: {
        '/app/run.sh': { shebang: { interpreter: '/bin/sh' } },
        '/app/tool': { shebang: { interpreter: '/usr/bin/env', arg: '-S node --flag' } },
        '/usr/bin/env': elf(['libc.so.6'], '/lib64/ld-linux-x86-64.so.2'),
      },
    });
    expect(keep.has('/usr/bin/sh')).toBe(true);
    expect(keep.has('/usr/bin/dash')).toBe(true);
    expect(keep.has('/usr/bin/env')).toBe(true);
    expect(keep.has('/usr/local/bin/node')).toBe(true);
    expect(keep.has('/usr/bin/node')).toBe(false);
    expect(keep.has('/usr/lib/x86_64-linux-gnu/libc.so.6')).toBe(true);
  });

  it('keeps every name of a hardlinked file', () => {
    const keep = run([
      { path: '/usr/bin/perl5.36', mode: X },
      { path: '/usr/bin/perl', type: 'hardlink', link: '/usr/bin/perl5.36' },
      { path: '/opt/perl', type: 'hardlink', link: '/usr/bin/perl5.36' },
    ], [ev('x', '/usr/bin/perl', '0', 'execve')]);
    expect(keep.has('/usr/bin/perl5.36')).toBe(true);
    expect(keep.has('/opt/perl')).toBe(true);
    expect(keep.get('/opt/perl')!.reasons[0].kind).toBe('hardlink');
  });

  it('keeps the user database for a named USER, never /etc/shadow', () => {
    const keep = run([], [], { config: cfg({ User: 'app:app' }) });
    expect(keep.get('/etc/passwd')!.reasons[0]).toMatchObject({ kind: 'user-db', detail: 'app' });
    expect(keep.has('/etc/group')).toBe(true);
    expect(keep.has('/etc/nsswitch.conf')).toBe(true);
    expect(keep.has('/etc/shadow')).toBe(false);
  });

  it('keeps the entrypoint (PATH lookup), workdir and volume dirs only', () => {
    const keep = run([{ path: '/usr/local/bin/app', mode: X }, '/srv/www/index.html', '/data/db/'], [], {
      config: cfg({ Entrypoint: ['app'], WorkingDir: '/srv/www', Volumes: { '/data': {} } }),
      facts: { '/usr/local/bin/app': elf(['libc.so.6'], '/lib64/ld-linux-x86-64.so.2') },
    });
    expect(keep.has('/usr/local/bin/app')).toBe(true);
    expect(keep.has('/usr/lib/x86_64-linux-gnu/libc.so.6')).toBe(true);
    expect(keep.has('/srv/www')).toBe(true);
    expect(keep.has('/srv/www/index.html')).toBe(false);
    expect(keep.has('/data')).toBe(true);
    expect(keep.has('/data/db')).toBe(false);
  });

  it('include globs, include-shell/exe/bin and excludes that spare parents', () => {
    const keep = run([
      '/usr/share/zoneinfo/UTC', '/usr/share/zoneinfo/Europe/Paris', '/usr/share/locale/fr/x.mo',
      '/etc/ssl/certs/a.pem', '/etc/ssl/certs/b.crt', { path: '/usr/bin/curl', mode: X },
      { path: '/usr/local/bin/tool', mode: X },
    ], [], {
      facts: { '/usr/bin/curl': elf(['libm.so.6'], '/lib64/ld-linux-x86-64.so.2') },
      options: {
        includePaths: ['/usr/share/zoneinfo', '/etc/ssl/**/*.pem', 'usr/share/locale/?r'],
        includeShell: true, includeExes: ['curl'], includeBins: ['/usr/local/bin/tool'],
        excludes: ['/usr/share/zoneinfo/Europe/**', '/usr/share/locale'],
      },
    });
    expect(keep.has('/usr/share/zoneinfo/UTC')).toBe(true);
    expect(keep.has('/usr/share/zoneinfo/Europe/Paris')).toBe(false);
    expect(keep.has('/etc/ssl/certs/a.pem')).toBe(true);
    expect(keep.has('/etc/ssl/certs/b.crt')).toBe(false);
    expect(keep.has('/usr/share/locale/fr/x.mo')).toBe(false);
    expect(keep.has('/usr/bin/dash')).toBe(true);
    expect(keep.get('/usr/bin/sh')!.reasons[0].kind).toBe('include-shell');
    expect(keep.has('/usr/lib/x86_64-linux-gnu/libm.so.6')).toBe(true);
    expect(keep.has('/usr/local/bin/tool')).toBe(true);
  });

  it('include globs through symlinks (merged /usr) and symlinks to directories', () => {
    const keep = run([
      '/usr/lib/x86_64-linux-gnu/libnss_dns.so.2', '/usr/lib/x86_64-linux-gnu/libnss_files.so.2',
      '/usr/share/certs/a.pem', '/usr/share/certs/sub/b.pem', { path: '/etc/certs', link: '../usr/share/certs' },
    ], [], { options: { includePaths: ['/lib/x86_64-linux-gnu/libnss_*', '/etc/certs'] } });
    expect(keep.has('/usr/lib/x86_64-linux-gnu/libnss_dns.so.2')).toBe(true);
    expect(keep.has('/usr/lib/x86_64-linux-gnu/libnss_files.so.2')).toBe(true);
    expect(keep.get('/usr/lib/x86_64-linux-gnu/libnss_dns.so.2')!.reasons[0]).toMatchObject({ kind: 'include-path', detail: '/lib/x86_64-linux-gnu/libnss_*' });
    expect(keep.has('/lib')).toBe(true);
    expect(keep.has('/usr/lib/x86_64-linux-gnu/libc.so.6')).toBe(false);
    expect(keep.has('/etc/certs')).toBe(true);
    expect(keep.has('/usr/share/certs/sub/b.pem')).toBe(true);
    const ex = run(['/usr/lib/x86_64-linux-gnu/libfoo.so'], [ev('r', '/usr/lib/x86_64-linux-gnu/libfoo.so')], { options: { excludes: ['/lib/x86_64-linux-gnu/libfoo*'] } });
    expect(ex.has('/usr/lib/x86_64-linux-gnu/libfoo.so')).toBe(false);
  });

  it('an exclude never removes a parent of a kept entry', () => {
    const keep = run(['/srv/a/keep.txt'], [ev('r', '/srv/a/keep.txt')], { options: { excludes: ['/srv/a'] } });
    // /srv/a matched, its child too: the child goes, then the dir is no longer needed
    expect(keep.has('/srv/a/keep.txt')).toBe(false);
    const keep2 = run(['/srv/a/keep.txt', '/srv/a/b.log'], [ev('r', '/srv/a/keep.txt')], { options: { excludes: ['/srv/*/*.log', '/srv'] } });
    expect(keep2.has('/srv')).toBe(false);
    const keep3 = run(['/srv/a/keep.txt'], [ev('r', '/srv/a/keep.txt')], { options: { excludes: ['/srv/a/', '!x'].slice(0, 0).concat(['/sr?']) } });
    expect(keep3.has('/srv/a/keep.txt')).toBe(false);
  });

  it('a file the app created at run time is not kept; a changed one is (original entry)', () => {
    const keep = run(['/var/lib/app/config.ini'], [
      ev('w', '/var/lib/app/initialized', '0', 'openat'),
      ev('w', '/var/lib/app/config.ini', '0', 'openat'),
    ]);
    expect(keep.has('/var/lib/app/initialized')).toBe(false);
    expect(keep.has('/var/lib/app/config.ini')).toBe(true);
    expect(keep.has('/var/lib/app')).toBe(true);
  });

  it('rename keeps an existing destination, symlink() text is not a path', () => {
    const keep = run(['/etc/a', '/etc/b', '/etc/c'], [
      { syscall: 'renameat2', intent: 'w', result: '0', path: '/etc/a', path2: '/etc/b' },
      { syscall: 'symlinkat', intent: 'w', result: '0', path: '/tmp/l', path2: '/etc/c' },
    ]);
    expect(keep.has('/etc/b')).toBe(true);
    expect(keep.has('/etc/c')).toBe(false);
  });
});

describe('globToRegExp', () => {
  it('matches **, * and ? and subtrees', () => {
    expect(globToRegExp('/a/**/b').test('/a/b')).toBe(true);
    expect(globToRegExp('/a/**/b').test('/a/x/y/b/c')).toBe(true);
    expect(globToRegExp('/a/*.py').test('/a/x.py')).toBe(true);
    expect(globToRegExp('/a/*.py').test('/a/x/y.py')).toBe(false);
    expect(globToRegExp('/a/?').test('/a/bc')).toBe(false);
    expect(globToRegExp('/a.b').test('/aXb')).toBe(false);
  });
});
