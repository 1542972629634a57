import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostView, resolvePath } from '../../src/elf/index.js';
import { memView } from './memview.js';

describe('resolvePath', () => {
  const v = memView({
    '/usr/lib/x86_64-linux-gnu/libz.so.1.2.13': 'z',
    '/usr/lib/x86_64-linux-gnu/libz.so.1': { link: 'libz.so.1.2.13' },
    '/lib': { link: 'usr/lib' },
    '/lib64': { link: 'usr/lib64' },
    '/usr/lib64/ld.so': { link: '../lib/x86_64-linux-gnu/ld.so.real' },
    '/usr/lib/x86_64-linux-gnu/ld.so.real': 'ld',
    '/opt/a': { link: '/opt/b' },
    '/opt/b': { link: 'a' },
    '/opt/dangling': { link: '/nowhere/x' },
    '/opt/file': 'f',
  });

  it('follows relative and absolute links in every component and records each', () => {
    const r = resolvePath(v, '/lib/x86_64-linux-gnu/libz.so.1');
    expect(r.path).toBe('/usr/lib/x86_64-linux-gnu/libz.so.1.2.13');
    expect(r.links).toEqual(['/lib', '/usr/lib/x86_64-linux-gnu/libz.so.1']);
    expect(r.stat?.type).toBe('file');
    expect(r.error).toBeUndefined();
  });

  it('handles .. after a link physically, not lexically', () => {
    const r = resolvePath(v, '/lib64/ld.so');
    expect(r.path).toBe('/usr/lib/x86_64-linux-gnu/ld.so.real');
    expect(r.links).toEqual(['/lib64', '/usr/lib64/ld.so']);
  });

  it('is loop-safe and reports missing and not-a-dir', () => {
    expect(resolvePath(v, '/opt/a').error).toBe('loop');
    const d = resolvePath(v, '/opt/dangling');
    expect(d.error).toBe('missing');
    expect(d.links).toEqual(['/opt/dangling']);
    expect(resolvePath(v, '/opt/file/x').error).toBe('notdir');
    expect(resolvePath(v, '/').path).toBe('/');
  });

  it('reports the dirs walked, the links followed and the final entry to onStep', () => {
    const steps: string[] = [];
    const r = resolvePath(v, '/lib/./x86_64-linux-gnu/libz.so.1', (s) => steps.push(`${s.role}${s.role === 'link' && s.last ? '(last)' : ''} ${s.path}`));
    expect(r.path).toBe('/usr/lib/x86_64-linux-gnu/libz.so.1.2.13');
    expect(steps).toEqual([
      'link /lib', 'dir /usr', 'dir /usr/lib', 'dir /usr/lib/x86_64-linux-gnu',
      'link(last) /usr/lib/x86_64-linux-gnu/libz.so.1', 'final /usr/lib/x86_64-linux-gnu/libz.so.1.2.13',
    ]);
    const missing: string[] = [];
    expect(resolvePath(v, '/lib/nope/x', (s) => missing.push(`${s.role} ${s.path}`)).error).toBe('missing');
    expect(missing).toEqual(['link /lib', 'dir /usr', 'dir /usr/lib']);
  });

  it('treats the root as a directory even when the view has no entry for it', () => {
    const bare = { ...v, lstat: (p: string) => (p === '/' ? undefined : v.lstat(p)) };
    expect(resolvePath(bare, '/').stat?.type).toBe('dir');
    expect(resolvePath(bare, '/lib/x86_64-linux-gnu/libz.so.1').path).toBe('/usr/lib/x86_64-linux-gnu/libz.so.1.2.13');
  });

  const tmp = mkdtempSync(join(tmpdir(), 'slimts-rp-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  it('works on the host filesystem', () => {
    mkdirSync(join(tmp, 'real/dir'), { recursive: true });
    writeFileSync(join(tmp, 'real/dir/f'), 'x');
    symlinkSync('real', join(tmp, 'l1'));
    symlinkSync(join(tmp, 'l1/dir'), join(tmp, 'l2'));
    symlinkSync('f', join(tmp, 'real/dir/g'));
    const r = resolvePath(hostView(), join(tmp, 'l2/g'));
    expect(r.path).toBe(join(tmp, 'real/dir/f'));
    expect(r.links).toEqual([join(tmp, 'l2'), join(tmp, 'l1'), join(tmp, 'real/dir/g')]);
  });
});
