// The package inventory trim as a pure function over hand-made databases (dpkg, status.d, apk).
import { describe, expect, it } from 'vitest';
import { cyclonedx, purlOf, trimPackageDb } from '../../src/pkgdb/index.js';
import { memIndex, memRead, type Spec } from '../select/memindex.js';

const OS = { path: '/usr/lib/os-release', content: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n' };
const status = [
  'Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nMulti-Arch: same\nSource: glibc\nVersion: 2.36-9+deb12u4\nDescription: GNU C Library\n shared libraries\n',
  'Package: curl\nStatus: install ok installed\nArchitecture: amd64\nVersion: 7.88.1-10\n',
  'Package: base-files\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.4+deb12u5\n',
  'Package: oldpkg\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 1.0\n',
].join('\n');

function dpkgImage(extra: Spec[] = []) {
  return memIndex([
    { path: '/bin', link: 'usr/bin' }, { path: '/lib', link: 'usr/lib' },
    '/usr/bin/', '/usr/lib/x86_64-linux-gnu/',
    '/usr/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/x86_64-linux-gnu/libm.so.6',
    { path: '/usr/lib/x86_64-linux-gnu/libc.so', link: 'libc.so.6' },
    '/usr/bin/curl', '/usr/share/doc/curl/copyright',
    { path: '/etc/os-release', link: '../usr/lib/os-release' }, OS, '/etc/debian_version',
    { path: '/var/lib/dpkg/status', content: status },
    { path: '/var/lib/dpkg/arch', content: 'amd64\n' },
    { path: '/var/lib/dpkg/info/libc6:amd64.list', content: '/.\n/lib\n/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu/libc.so.6\n/lib/x86_64-linux-gnu/libm.so.6\n/usr/lib/x86_64-linux-gnu/libc.so\n' },
    { path: '/var/lib/dpkg/info/libc6:amd64.md5sums', content: 'aaaa  lib/x86_64-linux-gnu/libc.so.6\nbbbb  lib/x86_64-linux-gnu/libm.so.6\n' },
    { path: '/var/lib/dpkg/info/libc6:amd64.postinst', content: '#!/bin/sh\n' },
    { path: '/var/lib/dpkg/info/curl.list', content: '/.\n/usr\n/usr/bin\n/usr/bin/curl\n/usr/share/doc/curl/copyright\n' },
    { path: '/var/lib/dpkg/info/base-files.list', content: '/.\n/etc\n/etc/debian_version\n/usr/lib/os-release\n' },
    ...extra,
  ]);
}

/** The keep-set's paths as a predicate: these plus their parents. */
function kept(paths: string[]): (p: string) => boolean {
  const s = new Set<string>(['/']);
  for (const p of paths) for (let q = p; q !== '/'; q = q.slice(0, q.lastIndexOf('/')) || '/') s.add(q);
  return (p) => s.has(p);
}

const text = (r: ReturnType<typeof trimPackageDb>, path: string) => r.inventory!.files.find((f) => f.path === path)?.content.toString();

describe('dpkg trim', () => {
  it('keeps the stanzas of packages with a file left, their lists cut to kept files, and drops the rest', () => {
    const index = dpkgImage();
    const r = trimPackageDb(index, kept(['/lib', '/usr/lib/x86_64-linux-gnu/libc.so.6']), memRead(index));
    const inv = r.inventory!;
    expect(inv.db).toBe('dpkg');
    expect(inv.before).toBe(3); // oldpkg holds no files: not installed
    expect(inv.kept.map((p) => p.name).sort()).toEqual(['base-files', 'libc6']);
    expect(inv.removed).toEqual([{ name: 'curl', version: '7.88.1-10' }]);
    const libc = inv.kept.find((p) => p.name === 'libc6')!;
    expect([libc.filesKept, libc.filesBefore]).toEqual([1, 3]);
    expect(libc.source).toBe('glibc');
    // usrmerge: the list's /lib/... path reaches the kept /usr/lib/... file through the kept /lib link
    expect(text(r, '/var/lib/dpkg/info/libc6:amd64.list')).toBe('/.\n/lib\n/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu/libc.so.6\n');
    expect(text(r, '/var/lib/dpkg/info/libc6:amd64.md5sums')).toBe('aaaa  lib/x86_64-linux-gnu/libc.so.6\n');
    const st = text(r, '/var/lib/dpkg/status')!;
    expect(st).toContain('Package: libc6\n');
    expect(st).toContain('Description: GNU C Library\n shared libraries\n\n'); // stanzas as they were
    expect(st).not.toContain('Package: curl');
    expect(st).not.toContain('oldpkg');
    expect(inv.files.some((f) => f.path.includes('curl'))).toBe(false);
    expect(inv.files.some((f) => f.path.endsWith('.postinst'))).toBe(false);
    expect(text(r, '/var/lib/dpkg/arch')).toBe('amd64\n');
    expect(inv.files.find((f) => f.path.endsWith('.list'))!.reason).toBe('package inventory trimmed to kept files');
    expect(inv.distro).toEqual({ id: 'debian', versionId: '12' });
    // os-release is kept as it is, through its link: base-files keeps a file because of it
    expect(r.keepAsIs.map((k) => k.path)).toEqual(expect.arrayContaining(['/etc/os-release', '/usr/lib/os-release', '/etc/debian_version']));
  });

  it('a package whose only kept entries are directories is gone', () => {
    const index = dpkgImage();
    const r = trimPackageDb(index, kept(['/usr/bin/', '/usr/share/doc/curl']), memRead(index));
    expect(r.inventory!.kept.map((p) => p.name)).not.toContain('curl');
  });

  it('a symlink a package lists counts as its file', () => {
    const index = dpkgImage();
    const r = trimPackageDb(index, kept(['/usr/lib/x86_64-linux-gnu/libc.so']), memRead(index));
    expect(r.inventory!.kept.find((p) => p.name === 'libc6')?.filesKept).toBe(1);
  });

  it('a package without a .list (a damaged database) stays whole; its files are unknown', () => {
    const index = dpkgImage([{ path: '/var/lib/dpkg/status', content: `${status}\nPackage: nolist\nStatus: install ok installed\nVersion: 1\n` }]);
    const r = trimPackageDb(index, kept([]), memRead(index));
    expect(r.inventory!.kept.find((p) => p.name === 'nolist')).toMatchObject({ filesKnown: false });
  });

  it('a corrupt status file gives a note, no inventory, and no throw', () => {
    const index = dpkgImage([{ path: '/var/lib/dpkg/status', content: '\u0000\u0001garbage\u0002 not a stanza' }]);
    const r = trimPackageDb(index, kept([]), memRead(index));
    expect(r.inventory).toBeUndefined();
    expect(r.note).toMatch(/dpkg package database is unreadable/);
  });

  it('no database: a note and nothing kept', () => {
    const index = memIndex(['/app/bin', OS]);
    const r = trimPackageDb(index, kept(['/app/bin']), memRead(index));
    expect(r.inventory).toBeUndefined();
    expect(r.keepAsIs).toEqual([]);
    expect(r.note).toMatch(/no package database/);
  });

  it('status.d (distroless): one file per package, files from NAME.md5sums', () => {
    const index = memIndex([
      OS, '/usr/lib/libssl.so.3', '/usr/lib/libz.so.1', '/usr/share/zoneinfo/UTC',
      { path: '/var/lib/dpkg/status.d/libssl3', content: 'Package: libssl3\nVersion: 3.0.11-1\nArchitecture: amd64\n' },
      { path: '/var/lib/dpkg/status.d/libssl3.md5sums', content: 'aa  usr/lib/libssl.so.3\n' },
      { path: '/var/lib/dpkg/status.d/zlib1g', content: 'Package: zlib1g\nVersion: 1:1.2.13\nArchitecture: amd64\n' },
      { path: '/var/lib/dpkg/status.d/zlib1g.md5sums', content: 'bb  usr/lib/libz.so.1\n' },
      { path: '/var/lib/dpkg/status.d/tzdata', content: 'Package: tzdata\nVersion: 2024a\nArchitecture: all\n' },
    ]);
    const r = trimPackageDb(index, kept(['/usr/lib/libssl.so.3']), memRead(index));
    const inv = r.inventory!;
    expect(inv.before).toBe(3);
    expect(inv.kept.map((p) => p.name).sort()).toEqual(['libssl3', 'tzdata']); // tzdata: no file list, kept whole
    expect(inv.removed.map((p) => p.name)).toEqual(['zlib1g']);
    expect(inv.files.map((f) => f.path)).not.toContain('/var/lib/dpkg/status.d/zlib1g');
    expect(inv.dropped).toContain('/var/lib/dpkg/status.d/zlib1g');
  });
});

describe('apk trim', () => {
  const installed = [
    'C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\no:musl\nF:lib\nR:ld-musl-x86_64.so.1\na:0:0:755\nZ:Q1aaa=\nR:libc.musl-x86_64.so.1\nZ:Q1bbb=\n',
    'P:busybox\nV:1.36.1-r5\nA:x86_64\nF:bin\nR:busybox\nZ:Q1ccc=\n',
    'P:zlib\nV:1.3.1-r0\nA:x86_64\nF:lib\nR:libz.so.1\nZ:Q1ddd=\n',
  ].join('\n');
  const index = memIndex([
    { path: '/etc/os-release', content: 'ID=alpine\nVERSION_ID=3.19.1\n' }, '/etc/alpine-release',
    '/lib/ld-musl-x86_64.so.1', { path: '/lib/libc.musl-x86_64.so.1', link: 'ld-musl-x86_64.so.1' }, '/bin/busybox', '/lib/libz.so.1',
    { path: '/lib/apk/db/installed', content: installed },
  ]);

  it('keeps packages with a file left, their R: lines cut with their attributes', () => {
    const r = trimPackageDb(index, kept(['/lib/ld-musl-x86_64.so.1', '/bin/busybox']), memRead(index));
    const inv = r.inventory!;
    expect(inv.db).toBe('apk');
    expect(inv.kept.map((p) => [p.name, p.filesKept, p.filesBefore])).toEqual([['musl', 1, 2], ['busybox', 1, 1]]);
    expect(inv.removed.map((p) => p.name)).toEqual(['zlib']);
    const t = text(r, '/lib/apk/db/installed')!;
    expect(t).toContain('R:ld-musl-x86_64.so.1\na:0:0:755\nZ:Q1aaa=\n');
    expect(t).not.toContain('libc.musl');
    expect(t).not.toContain('Q1bbb');
    expect(t).not.toContain('P:zlib');
    expect(purlOf(inv.kept[0], inv.distro)).toBe('pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19.1');
  });
});

describe('CycloneDX', () => {
  it('one component per kept package, Debian purls, files kept as a property', () => {
    const index = dpkgImage();
    const r = trimPackageDb(index, kept(['/lib', '/usr/lib/x86_64-linux-gnu/libc.so.6']), memRead(index));
    const bom = cyclonedx(r.inventory!, { name: 'app.slim:1', source: 'app:1' }) as {
      specVersion: string; serialNumber: string;
      components: Array<{ name: string; version: string; purl: string; properties: Array<{ name: string; value: string }> }>;
    };
    expect(bom.specVersion).toBe('1.5');
    expect(bom.serialNumber).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(bom.components.map((c) => c.name)).toEqual(['base-files', 'libc6']);
    const libc = bom.components[1];
    expect(libc.purl).toBe('pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12');
    expect(libc.properties).toContainEqual({ name: 'slimts:files:kept', value: '1' });
    // the same inventory gives the same document
    expect(JSON.stringify(cyclonedx(r.inventory!, { name: 'app.slim:1', source: 'app:1' }))).toBe(JSON.stringify(bom));
  });
});

describe('--exclude', () => {
  it('what the user excludes stays out: the OS files kept for scanners, the database files', () => {
    const index = dpkgImage();
    const r = trimPackageDb(index, kept(['/usr/bin/curl']), memRead(index), (p) => p === '/etc/debian_version' || p.startsWith('/var/lib/dpkg/info/'));
    expect(r.keepAsIs.map((k) => k.path)).not.toContain('/etc/debian_version');
    expect(r.inventory!.files.map((f) => f.path)).toEqual(['/var/lib/dpkg/status', '/var/lib/dpkg/arch']);
  });
});
