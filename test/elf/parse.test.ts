import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EM_AARCH64, EM_X86_64, elfAt, hostView, ociArch, parseElf } from '../../src/elf/index.js';
import { buildFixtures, type Fixtures } from './fixtures.js';

let fx: Fixtures;
beforeAll(() => {
  fx = buildFixtures();
});
afterAll(() => fx?.cleanup());

/** parseElf over a host file, counting how many bytes it asked for. */
function parseHost(path: string) {
  const fd = openSync(path, 'r');
  let bytes = 0;
  try {
    const info = parseElf((off, len) => {
      bytes += len;
      const b = Buffer.alloc(len);
      const n = readSync(fd, b, 0, len, off);
      return b.subarray(0, n);
    }, statSync(path).size);
    return { info, bytes };
  } finally {
    closeSync(fd);
  }
}

describe('parseElf', () => {
  it('reads a dynamic glibc executable (/bin/ls)', () => {
    const { info } = parseHost('/bin/ls');
    expect(info).toBeDefined();
    expect(info!.class).toBe(64);
    expect(info!.endian).toBe('le');
    expect(info!.machine).toBe(EM_X86_64);
    expect(ociArch(info!)).toBe('amd64');
    expect(['dyn', 'exec']).toContain(info!.type);
    expect(info!.interpreter).toBe('/lib64/ld-linux-x86-64.so.2');
    expect(info!.needed).toContain('libc.so.6');
    expect(info!.static).toBe(false);
  });

  it('reads only headers, not the whole file', () => {
    const { bytes } = parseHost('/usr/bin/python3');
    expect(bytes).toBeLessThan(64 * 1024);
  });

  it('sees a musl-gcc -static executable as static', () => {
    const { info } = parseHost(fx.staticHello);
    expect(info).toBeDefined();
    expect(info!.static).toBe(true);
    expect(info!.interpreter).toBeUndefined();
    expect(info!.needed).toEqual([]);
  });

  it('reads DT_SONAME, DT_RUNPATH and DT_RPATH', () => {
    const v = hostView();
    expect(elfAt(v, `${fx.libDir}/libgreet.so`)?.soname).toBe('libgreet.so');
    expect(elfAt(v, `${fx.libDir}/libgreet.so`)?.type).toBe('dyn');
    const run = elfAt(v, fx.greetRunpath)!;
    expect(run.runpath).toEqual(['$ORIGIN/../lib']);
    expect(run.rpath).toBeUndefined();
    const rp = elfAt(v, fx.greetRpath)!;
    expect(rp.rpath).toEqual(['$ORIGIN/../lib2']);
    expect(rp.runpath).toBeUndefined();
    expect(rp.needed).toEqual(['libouter.so', 'libc.so.6']);
  });

  it('returns undefined for non-ELF and truncated input', () => {
    const text = Buffer.from('#!/bin/sh\necho hi\n');
    expect(parseElf((o, l) => text.subarray(o, o + l), text.length)).toBeUndefined();
    const ls = readFileSync('/bin/ls');
    const cut = ls.subarray(0, 40);
    expect(parseElf((o, l) => cut.subarray(o, o + l), cut.length)).toBeUndefined();
    // Header intact but program headers cut off.
    const head = ls.subarray(0, 64);
    expect(parseElf((o, l) => head.subarray(o, o + l), head.length)).toBeUndefined();
  });

  it('reports another machine when e_machine says so', () => {
    const ls = Buffer.from(readFileSync('/bin/ls'));
    ls.writeUInt16LE(EM_AARCH64, 18);
    const info = parseElf((o, l) => ls.subarray(o, o + l), ls.length)!;
    expect(info.machine).toBe(EM_AARCH64);
    expect(ociArch(info)).toBe('arm64');
  });
});
