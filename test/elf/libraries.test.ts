import { mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FsEntry, FsIndex } from '../../src/image/types.js';
import { EM_AARCH64, hostView, indexView, resolveLibraries, resolvePath } from '../../src/elf/index.js';
import { buildFixtures, type Fixtures } from './fixtures.js';

let fx: Fixtures;
beforeAll(() => {
  fx = buildFixtures();
});
afterAll(() => fx?.cleanup());

const realOf = (p: string) => resolvePath(hostView(), p).path;

describe('resolveLibraries', () => {
  it('gives libc and the interpreter of /bin/ls, with the links on the way', () => {
    const r = resolveLibraries(hostView(), '/bin/ls');
    expect(r.missing).toEqual([]);
    const files = r.files.filter((f) => f.type === 'file').map((f) => f.path);
    expect(files).toContain(realOf('/lib64/ld-linux-x86-64.so.2'));
    expect(files).toContain(realOf('/lib/x86_64-linux-gnu/libc.so.6'));
    const interp = r.files.find((f) => f.path === realOf('/lib64/ld-linux-x86-64.so.2'))!;
    expect(interp.reason).toBe(`interpreter of ${realOf('/bin/ls')}`);
    const libc = r.files.find((f) => f.name === 'libc.so.6' && f.type === 'file')!;
    expect(libc.reason).toMatch(/^needed by \//);
    // Every symlink resolvePath traverses to reach the interpreter is shipped.
    for (const l of resolvePath(hostView(), '/lib64/ld-linux-x86-64.so.2').links) {
      expect(r.files.some((f) => f.path === l && f.type === 'symlink')).toBe(true);
    }
    // Every shipped path is real in its parent dirs (nothing goes through a shipped link).
    for (const f of r.files) expect(realOf(join(f.path, '..'))).toBe(join(f.path, '..'));
  });

  it('resolves python3 including libs it gets through versioned symlinks', () => {
    const r = resolveLibraries(hostView(), '/usr/bin/python3');
    expect(r.missing).toEqual([]);
    const z = r.files.filter((f) => f.name === 'libz.so.1');
    expect(z.some((f) => f.type === 'symlink')).toBe(true);
    expect(z.some((f) => f.type === 'file' && /libz\.so\.1\.\d/.test(f.path))).toBe(true);
  });

  it('finds a library through DT_RUNPATH $ORIGIN/../lib', () => {
    const r = resolveLibraries(hostView(), fx.greetRunpath);
    expect(r.missing).toEqual([]);
    const g = r.files.find((f) => f.name === 'libgreet.so')!;
    expect(g.path).toBe(join(fx.libDir, 'libgreet.so'));
    expect(g.via).toBe('runpath');
    expect(g.origin).toBe(join(fx.greetRunpath, '..'));
    expect(g.reason).toBe(`needed by ${fx.greetRunpath}`);
    const libc = r.files.find((f) => f.name === 'libc.so.6')!;
    expect(libc.origin).toBeUndefined();
  });

  it('inherits DT_RPATH from the loader chain (but not DT_RUNPATH)', () => {
    const r = resolveLibraries(hostView(), fx.greetRpath);
    expect(r.missing).toEqual([]);
    const inner = r.files.find((f) => f.name === 'libinner.so')!;
    expect(inner.path).toBe(join(fx.lib2Dir, 'libinner.so'));
    expect(inner.via).toBe('rpath');
    expect(inner.reason).toBe(`needed by ${join(fx.lib2Dir, 'libouter.so')}`);
  });

  it('reports names it cannot find, and uses LD_LIBRARY_PATH when given', () => {
    const r = resolveLibraries(hostView(), fx.greetMissing);
    expect(r.missing).toEqual([{ name: 'libgreet.so', neededBy: fx.greetMissing }]);
    const r2 = resolveLibraries(hostView(), fx.greetMissing, { ldLibraryPath: [fx.libDir] });
    expect(r2.missing).toEqual([]);
    expect(r2.files.find((f) => f.name === 'libgreet.so')?.via).toBe('ld_library_path');
  });

  it('skips candidates of the wrong machine', () => {
    const wrong = join(fx.dir, 'wrongarch');
    mkdirSync(wrong, { recursive: true });
    const lib = Buffer.from(readFileSync(join(fx.libDir, 'libgreet.so')));
    lib.writeUInt16LE(EM_AARCH64, 18);
    writeFileSync(join(wrong, 'libgreet.so'), lib);
    const r = resolveLibraries(hostView(), fx.greetRunpath, { ldLibraryPath: [wrong] });
    expect(r.files.find((f) => f.name === 'libgreet.so')?.path).toBe(join(fx.libDir, 'libgreet.so'));
  });

  it('knows musl: libc names are the interpreter itself', () => {
    const r = resolveLibraries(hostView(), fx.muslHello);
    expect(r.elf?.interpreter).toMatch(/ld-musl-x86_64\.so\.1$/);
    expect(r.missing).toEqual([]);
    const files = r.files.filter((f) => f.type === 'file');
    expect(files).toHaveLength(1);
    expect(files[0]!.path).toBe(realOf(r.elf!.interpreter!));
    expect(files[0]!.found).toBe(r.elf!.interpreter);
  });

  it('resolves nothing for a static executable and for non-ELF files', () => {
    const s = resolveLibraries(hostView(), fx.staticHello);
    expect(s.elf?.static).toBe(true);
    expect(s.files).toEqual([]);
    const t = join(fx.dir, 'script.sh');
    writeFileSync(t, '#!/bin/sh\n');
    expect(resolveLibraries(hostView(), t).elf).toBeUndefined();
  });

  it('works the same over an image filesystem index', () => {
    // A tiny "image": the host's env, its libraries and links, laid out as index entries.
    const host = resolveLibraries(hostView(), '/usr/bin/env');
    const entries = new Map<string, FsEntry>();
    const hostPath = new Map<string, string>();
    const add = (e: Partial<FsEntry> & Pick<FsEntry, 'path' | 'type'>) =>
      entries.set(e.path, { mode: 0o755, uid: 0, gid: 0, mtime: 0, size: 0, dataOffset: 0, layer: 0, ...e });
    const addDirs = (p: string) => {
      for (let d = join(p, '..'); d !== '/'; d = join(d, '..')) if (!entries.has(d)) add({ path: d, type: 'dir' });
    };
    add({ path: '/', type: 'dir' });
    for (const f of [{ path: '/usr/bin/env', type: 'file' as const }, ...host.files]) {
      addDirs(f.path);
      if (f.type === 'symlink') add({ path: f.path, type: 'symlink', linkname: readlinkSync(f.path) });
      else {
        const size = readFileSync(f.path).length;
        add({ path: f.path, type: 'file', size, content: { layer: 0, offset: 0, size } });
        hostPath.set(f.path, f.path);
      }
    }
    const index: FsIndex = {
      size: entries.size,
      get: (p) => entries.get(p),
      children: (d) => [...entries.values()].filter((e) => e.path !== d && join(e.path, '..') === d),
      entries: () => [...entries.values()].sort((a, b) => a.path.localeCompare(b.path)),
      hardlinkGroup: (p) => [p],
    };
    const view = indexView(index, (e, off, len) => readFileSync(hostPath.get(e.path)!).subarray(off, off + len));
    const r = resolveLibraries(view, '/usr/bin/env', { ldSoConfDirs: [] });
    expect(r.missing).toEqual([]);
    expect(r.files.map((f) => f.path).sort()).toEqual(host.files.map((f) => f.path).sort());
  });
});
