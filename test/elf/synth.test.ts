// Other classes, byte orders and machines, as the minifier meets them inside images.
import { describe, expect, it } from 'vitest';
import { EM_386, EM_AARCH64, EM_PPC64, EM_X86_64, ociArch, parseElf, resolveLibraries } from '../../src/elf/index.js';
import { memView } from './memview.js';
import { synthElf, type SynthOptions } from './synth.js';

const parse = (b: Buffer) => parseElf((o, l) => b.subarray(o, o + l), b.length);

describe('parseElf on synthetic ELFs', () => {
  const cases: Array<[string, SynthOptions, string]> = [
    ['ELF32 LE i386', { cls: 32, endian: 'le', machine: EM_386 }, '386'],
    ['ELF64 BE ppc64', { cls: 64, endian: 'be', machine: EM_PPC64 }, 'ppc64'],
    ['ELF64 LE ppc64le', { cls: 64, endian: 'le', machine: EM_PPC64 }, 'ppc64le'],
    ['ELF64 LE aarch64', { cls: 64, endian: 'le', machine: EM_AARCH64 }, 'arm64'],
  ];
  for (const [name, o, arch] of cases) {
    it(`reads ${name}`, () => {
      const e = parse(synthElf({ ...o, interpreter: '/lib/ld.so.1', needed: ['liba.so.1', 'libc.so.6'], soname: 'x.so', rpath: '/r1:/r2', runpath: '$ORIGIN/lib', flags1: 0x800 }))!;
      expect(e).toMatchObject({ class: o.cls, endian: o.endian, machine: o.machine, type: 'exec', interpreter: '/lib/ld.so.1', needed: ['liba.so.1', 'libc.so.6'], soname: 'x.so', rpath: ['/r1', '/r2'], runpath: ['$ORIGIN/lib'], nodeflib: true, static: false });
      expect(ociArch(e)).toBe(arch);
      expect(parse(synthElf(o))!.static).toBe(true);
    });
  }
});

describe('resolveLibraries inside an arm64 image', () => {
  const arm = { cls: 64 as const, endian: 'le' as const, machine: EM_AARCH64 };
  const x86 = { cls: 64 as const, endian: 'le' as const, machine: EM_X86_64 };
  const lib = (o: SynthOptions, soname: string, needed: string[] = []) => synthElf({ ...o, type: 'dyn', soname, needed });

  it('follows multiarch dirs, skips other machines, expands $LIB and $PLATFORM, honours nodeflib', () => {
    const v = memView({
      '/usr/bin/app': synthElf({ ...arm, interpreter: '/lib/ld-linux-aarch64.so.1', needed: ['libfoo.so.1', 'libbar.so', 'libc.so.6'], runpath: '/opt/$LIB:/opt/$PLATFORM' }),
      '/lib': { link: 'usr/lib' },
      '/usr/lib/ld-linux-aarch64.so.1': { link: 'aarch64-linux-gnu/ld-linux-aarch64.so.1' },
      '/usr/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1': lib(arm, 'ld-linux-aarch64.so.1'),
      '/usr/lib/aarch64-linux-gnu/libc.so.6': lib(arm, 'libc.so.6', ['ld-linux-aarch64.so.1']),
      // An x86_64 libfoo earlier on the path must be skipped.
      '/opt/lib/aarch64-linux-gnu/libfoo.so.1': lib(x86, 'libfoo.so.1'),
      '/opt/lib64/libfoo.so.1': lib(arm, 'libfoo.so.1'),
      '/opt/aarch64/libbar.so': lib(arm, 'libbar.so'),
    });
    const r = resolveLibraries(v, '/usr/bin/app', { ldSoConfDirs: [] });
    expect(r.missing).toEqual([]);
    const byName = Object.fromEntries(r.files.filter((f) => f.type === 'file').map((f) => [f.name ?? 'interp', f]));
    expect(byName.interp.path).toBe('/usr/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1');
    expect(byName['libfoo.so.1'].path).toBe('/opt/lib64/libfoo.so.1');
    expect(byName['libbar.so'].path).toBe('/opt/aarch64/libbar.so');
    expect(byName['libc.so.6']).toMatchObject({ path: '/usr/lib/aarch64-linux-gnu/libc.so.6', via: 'default' });
    // libc's DT_NEEDED on the interpreter is satisfied by the interpreter already loaded.
    expect(r.files.filter((f) => f.path.endsWith('ld-linux-aarch64.so.1') && f.type === 'file')).toHaveLength(1);
    expect(r.files.filter((f) => f.type === 'symlink').map((f) => f.path)).toEqual(['/lib', '/usr/lib/ld-linux-aarch64.so.1']);
  });

  it('ships glibc-hwcaps variants next to the library found', () => {
    const v = memView({
      '/app': synthElf({ ...arm, interpreter: '/ld.so', needed: ['libz.so.1'] }),
      '/ld.so': lib(arm, 'ld.so'),
      '/usr/lib/libz.so.1': lib(arm, 'libz.so.1'),
      '/usr/lib/glibc-hwcaps/v9/libz.so.1': { link: 'libz.so.1.9' },
      '/usr/lib/glibc-hwcaps/v9/libz.so.1.9': lib(arm, 'libz.so.1'),
      '/usr/lib/glibc-hwcaps/x86-64-v3/libz.so.1': lib(x86, 'libz.so.1'),
    });
    const r = resolveLibraries(v, '/app', { ldSoConfDirs: [], defaultDirs: ['/usr/lib'] });
    expect(r.missing).toEqual([]);
    expect(r.files.map((f) => `${f.type} ${f.path}`)).toEqual([
      'file /ld.so',
      'file /usr/lib/libz.so.1',
      'symlink /usr/lib/glibc-hwcaps/v9/libz.so.1',
      'file /usr/lib/glibc-hwcaps/v9/libz.so.1.9',
    ]);
    expect(r.files[3]!.reason).toBe('hwcaps variant, needed by /app');
  });

  it('DF_1_NODEFLIB keeps the default dirs out', () => {
    const v = memView({
      '/app': synthElf({ ...arm, interpreter: '/ld.so', needed: ['libz.so.1'] }),
      '/ld.so': lib(arm, 'ld.so'),
      '/lib/libz.so.1': lib(arm, 'libz.so.1'),
      '/usr/bin/strict': synthElf({ ...arm, type: 'dyn', interpreter: '/ld.so', needed: ['libz.so.1'], flags1: 0x800 }),
    });
    expect(resolveLibraries(v, '/app', { ldSoConfDirs: [] }).missing).toEqual([]);
    expect(resolveLibraries(v, '/usr/bin/strict', { ldSoConfDirs: [] }).missing).toEqual([{ name: 'libz.so.1', neededBy: '/usr/bin/strict' }]);
  });

  it('reports an interpreter of the wrong machine', () => {
    const v = memView({
      '/app': synthElf({ ...arm, interpreter: '/ld.so', needed: [] }),
      '/ld.so': lib(x86, 'ld.so'),
    });
    expect(resolveLibraries(v, '/app').missing).toEqual([{ name: '/ld.so', neededBy: '/app', interpreter: true }]);
  });
});

describe('resolveLibraries with ELF facts from a provider', () => {
  it('reads no bytes when elfOf is given, and trusts it over the file content', () => {
    const x86 = { cls: 64 as const, endian: 'le' as const, machine: EM_X86_64 };
    const v = memView({
      '/app': 'not parsed',
      '/lib64/ld.so': 'not parsed',
      '/lib/libx.so': 'not parsed',
    });
    const facts: Record<string, ReturnType<typeof parse>> = {
      '/app': parse(synthElf({ ...x86, interpreter: '/lib64/ld.so', needed: ['libx.so'] })),
      '/lib64/ld.so': parse(synthElf({ ...x86, type: 'dyn' })),
      '/lib/libx.so': parse(synthElf({ ...x86, type: 'dyn' })),
    };
    const view = { ...v, read: () => { throw new Error('read'); } };
    const r = resolveLibraries(view, '/app', { elfOf: (p) => facts[p], ldSoConfDirs: [], defaultDirs: ['/lib'] });
    expect(r.missing).toEqual([]);
    expect(r.files.map((f) => [f.path, f.neededBy])).toEqual([['/lib64/ld.so', '/app'], ['/lib/libx.so', '/app']]);
  });
});
