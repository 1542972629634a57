import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostView, resolvePath } from '../../src/elf/index.js';
import { closureOf } from '../../src/imagebuild/closure.js';
import { UserError } from '../../src/util/errors.js';
import { buildFixtures, type Fixtures } from '../elf/fixtures.js';
import { memView } from '../elf/memview.js';
import { synthElf } from '../elf/synth.js';
import { EM_X86_64 } from '../../src/elf/index.js';

let fx: Fixtures;
beforeAll(() => {
  fx = buildFixtures();
});
afterAll(() => fx?.cleanup());

const opts = { hostPath: (process.env.PATH ?? '/usr/bin:/bin').split(':'), destDir: '/app', label: '--exe x' };
const real = (p: string) => resolvePath(hostView(), p).path;

function script(name: string, text: string): string {
  const p = join(fx.dir, name);
  writeFileSync(p, text);
  chmodSync(p, 0o755);
  return p;
}

describe('closureOf', () => {
  it('static: nothing but the exe', () => {
    const c = closureOf(hostView(), fx.staticHello, opts);
    expect(c.kind).toBe('static');
    expect(c.files).toEqual([]);
  });

  it('moves libraries found through the exe $ORIGIN along with the exe', () => {
    const c = closureOf(hostView(), fx.greetRunpath, { ...opts, destDir: '/opt/greet/bin' });
    const lib = c.files.find((f) => f.path.endsWith('/libgreet.so'))!;
    expect(lib.dest).toBe('/opt/greet/lib/libgreet.so');
    expect(c.files.some((f) => f.path === real('/lib/x86_64-linux-gnu/libc.so.6') && !f.dest)).toBe(true);
  });

  it('a #! script brings its interpreter, the links to it and its libraries', () => {
    const c = closureOf(hostView(), script('s.sh', '#!/bin/sh\necho hi\n'), opts);
    expect(c.kind).toBe('script');
    const sh = resolvePath(hostView(), '/bin/sh');
    for (const l of sh.links) expect(c.files).toContainEqual(expect.objectContaining({ path: l, type: 'symlink', lookup: '/bin/sh' }));
    expect(c.files).toContainEqual(expect.objectContaining({ path: sh.path, type: 'file', reason: `interpreter of ${join(fx.dir, 's.sh')}` }));
    expect(c.files.some((f) => f.path === real('/lib/x86_64-linux-gnu/libc.so.6'))).toBe(true);
  });

  it('#!/usr/bin/env X brings env and X from the host PATH', () => {
    const c = closureOf(hostView(), script('e.sh', '#!/usr/bin/env -S bash -e\necho hi\n'), opts);
    expect(c.files.some((f) => f.path === real('/usr/bin/env'))).toBe(true);
    expect(c.files.some((f) => f.path === real('/bin/bash') && f.reason.startsWith('run by env in '))).toBe(true);
  });

  it('names library dirs only ld.so.conf knows, for LD_LIBRARY_PATH in the image', () => {
    const x = { cls: 64 as const, endian: 'le' as const, machine: EM_X86_64 };
    const v = memView({
      '/etc/ld.so.conf': '/opt/vendor/lib\n',
      '/usr/bin/app': synthElf({ ...x, interpreter: '/lib64/ld.so', needed: ['libv.so.1', 'libc.so.6'] }),
      '/lib64/ld.so': synthElf({ ...x, type: 'dyn' }),
      '/opt/vendor/lib/libv.so.1': synthElf({ ...x, type: 'dyn' }),
      '/lib/x86_64-linux-gnu/libc.so.6': synthElf({ ...x, type: 'dyn' }),
    });
    const c = closureOf(v, '/usr/bin/app', opts);
    expect(c.kind).toBe('dynamic');
    expect(c.libraryPath).toEqual(['/opt/vendor/lib']);
    expect(c.files.map((f) => f.path).sort()).toEqual(['/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld.so', '/opt/vendor/lib/libv.so.1']);
  });

  it('moves only $ORIGIN-found libraries, not those an absolute RUNPATH names', () => {
    const x = { cls: 64 as const, endian: 'le' as const, machine: EM_X86_64 };
    const v = memView({
      '/opt/app/bin/abs': synthElf({ ...x, interpreter: '/ld.so', needed: ['libfoo.so'], runpath: '/opt/app/bin/lib' }),
      '/opt/app/bin/rel': synthElf({ ...x, interpreter: '/ld.so', needed: ['libfoo.so'], runpath: '$ORIGIN/lib' }),
      '/opt/app/bin/lib/libfoo.so': synthElf({ ...x, type: 'dyn' }),
      '/ld.so': synthElf({ ...x, type: 'dyn' }),
    });
    const abs = closureOf(v, '/opt/app/bin/abs', { ...opts, destDir: '/app' });
    expect(abs.files.find((f) => f.path === '/opt/app/bin/lib/libfoo.so')?.dest).toBeUndefined();
    const rel = closureOf(v, '/opt/app/bin/rel', { ...opts, destDir: '/app' });
    expect(rel.files.find((f) => f.path === '/opt/app/bin/lib/libfoo.so')?.dest).toBe('/app/lib/libfoo.so');
  });

  it('rejects what the kernel could not run', () => {
    expect(() => closureOf(hostView(), script('n.txt', 'plain\n'), opts)).toThrow(/not an ELF executable or a #! script/);
    expect(() => closureOf(hostView(), script('r.sh', '#!sh\n'), opts)).toThrow(/not an absolute path/);
    expect(() => closureOf(hostView(), script('m.sh', '#!/nonexistent/interp\n'), opts)).toThrow(UserError);
    expect(() => closureOf(hostView(), script('v.sh', '#!/usr/bin/env no-such-program-xyz\n'), opts)).toThrow(/not found on the host PATH/);
    expect(() => closureOf(hostView(), `${fx.libDir}/libgreet.so`, opts)).not.toThrow();
    expect(() => closureOf(hostView(), fx.greetMissing, opts)).toThrow(/cannot resolve library libgreet\.so/);
  });
});
