import { describe, expect, it } from 'vitest';
import type { FsEntry, FsIndex } from '../../src/image/types.js';
import { LayerPlan } from '../../src/imagebuild/plan.js';
import { UserError } from '../../src/util/errors.js';

function fakeIndex(list: Array<Partial<FsEntry> & Pick<FsEntry, 'path' | 'type'>>): FsIndex {
  const m = new Map<string, FsEntry>();
  for (const e of list) m.set(e.path, { mode: 0o755, uid: 0, gid: 0, mtime: 1, size: 0, dataOffset: 0, layer: 0, ...e });
  return {
    size: m.size,
    get: (p) => m.get(p),
    children: () => [],
    entries: () => m.values(),
    hardlinkGroup: (p) => [p],
  };
}

const file = (path: string, reason = 'test') => ({ path, type: 'file' as const, mode: 0o644, mtime: 0, size: 1, reason });

describe('LayerPlan', () => {
  it('adds parent dirs and resolves destinations through planned symlinks', () => {
    const p = new LayerPlan();
    p.add({ path: '/lib', type: 'symlink', mode: 0o777, mtime: 0, size: 0, linkname: 'usr/lib', reason: 'link' });
    p.add(file('/lib/x86_64-linux-gnu/libfoo.so'));
    const paths = p.all().map((e) => `${e.type} ${e.path}`).sort();
    expect(paths).toEqual(['dir /', 'dir /usr', 'dir /usr/lib', 'dir /usr/lib/x86_64-linux-gnu', 'file /usr/lib/x86_64-linux-gnu/libfoo.so', 'symlink /lib']);
  });

  it('refuses a file where a directory is planned, and vice versa', () => {
    const p = new LayerPlan();
    p.add(file('/a/b'));
    expect(() => p.add(file('/a'))).toThrow(UserError);
    expect(() => p.add(file('/a/b/c'))).toThrow(UserError);
  });

  it('accepts the same host file or link twice, refuses two sources for one path', () => {
    const p = new LayerPlan();
    p.add({ ...file('/app/run', '--exe ./a/run'), source: '/h/a/run' });
    p.add({ ...file('/app/run', '--exe ./a/run'), source: '/h/a/run' });
    expect(() => p.add({ ...file('/app/run', '--exe ./b/run'), source: '/h/b/run' })).toThrow(/wanted twice, by --exe \.\/a\/run and by --exe \.\/b\/run/);
    p.add({ path: '/l', type: 'symlink', mode: 0o777, mtime: 0, size: 0, linkname: 'x', reason: 'one' });
    p.add({ path: '/l', type: 'symlink', mode: 0o777, mtime: 0, size: 0, linkname: 'x', reason: 'two' });
    expect(() => p.add({ path: '/l', type: 'symlink', mode: 0o777, mtime: 0, size: 0, linkname: 'y', reason: 'three' })).toThrow(UserError);
  });

  it('over a base: keeps base dir metadata, base links and never replaces a base dir by a link', () => {
    const base = fakeIndex([
      { path: '/', type: 'dir' },
      { path: '/tmp', type: 'dir', mode: 0o1777, uid: 0, gid: 0, mtime: 42 },
      { path: '/home', type: 'dir', mode: 0o755 },
      { path: '/home/u', type: 'dir', mode: 0o700, uid: 1000, gid: 1000, uname: 'u', gname: 'u' },
      { path: '/lib', type: 'symlink', linkname: 'usr/lib' },
      { path: '/usr', type: 'dir' },
      { path: '/usr/lib', type: 'dir' },
      { path: '/lib64', type: 'dir' },
    ]);
    const p = new LayerPlan(base);
    p.add(file('/tmp/x'));
    p.add(file('/home/u/y'));
    p.add(file('/lib/z'));
    p.add({ path: '/lib64', type: 'symlink', mode: 0o777, mtime: 0, size: 0, linkname: 'usr/lib64', reason: 'host link' });
    const byPath = new Map(p.all().map((e) => [e.path, e]));
    expect(byPath.get('/tmp')).toMatchObject({ type: 'dir', mode: 0o1777, mtime: 42 });
    expect(byPath.get('/home/u')).toMatchObject({ type: 'dir', mode: 0o700, uid: 1000, gid: 1000, uname: 'u' });
    expect(byPath.has('/usr/lib/z')).toBe(true);
    expect(byPath.has('/lib')).toBe(false);
    expect(byPath.has('/lib64')).toBe(false);
    expect(() => p.add(file('/usr'))).toThrow(/base image has a directory/);
  });
});
