// The overlay model on hand-made entries: the order of a layer's rules, what the observer
// hears (what xray counts), where names land, and the lookups the build and xray share.
import { describe, expect, it } from 'vitest';
import { MergedTree, applyLayer, planLayer, type LayerObserver } from '../../src/image/overlay/index.js';
import type { EntryType, FsEntry, TarEntry } from '../../src/image/types.js';

/** "d/" a dir, "f" a file (size 1), "l->t" a symlink, "h=>t" a hardlink; offsets in tar order. */
function layer(...specs: string[]): TarEntry[] {
  return specs.map((s, i) => {
    const [name, hard, soft] = [s.replace(/(=>|->).*/, ''), /=>(.*)/.exec(s)?.[1], /->(.*)/.exec(s)?.[1]];
    const type: EntryType = hard !== undefined ? 'hardlink' : soft !== undefined ? 'symlink' : name.endsWith('/') ? 'dir' : 'file';
    const e: TarEntry = { path: '/' + name.replace(/\/$/, ''), type, mode: 0o644, uid: 0, gid: 0, mtime: 0, size: type === 'file' ? 1 : 0, dataOffset: i * 512 };
    if (hard !== undefined) e.linkname = '/' + hard;
    if (soft !== undefined) e.linkname = soft;
    return e;
  });
}

function merge(layers: TarEntry[][], observer?: (i: number) => LayerObserver): MergedTree {
  const tree = new MergedTree();
  layers.forEach((l, i) => applyLayer(tree, planLayer(l), i, observer?.(i)));
  return tree;
}

const paths = (es: Iterable<FsEntry>) => [...es].map((e) => e.path);

describe('applyLayer', () => {
  it('applies a layer in tar order; an opaque dir drops what lower layers left, whatever the order', () => {
    const t = merge([
      layer('a/', 'a/old', 'a/keep/', 'a/keep/k', 'a/keep/gone', 'w/', 'w/x', 'v/', 'v/y'),
      layer('a/keep/k', 'a/.wh..wh..opq', 'a/new', 'w/.wh.x', 'w/x', 'v/.wh.y'),
    ]);
    expect(paths(t.entries())).toEqual(['/', '/a', '/a/keep', '/a/keep/k', '/a/new', '/v', '/w', '/w/x']);
    expect(t.at('/w/x')!.layer).toBe(1);
    // the lower dir a layer writes into stays as it was; what it put there stays
    expect(t.at('/a/keep')!.layer).toBe(0);
    expect(t.at('/a/keep/k')!.layer).toBe(1);
  });

  it('an opaque dir that replaced a symlink is the new dir, not where the symlink led', () => {
    const t = merge([layer('b', 'a->b'), layer('a/', 'a/.wh..wh..opq', 'a/f')]);
    expect(t.at('/b')!.type).toBe('file');
    expect(paths(t.children('/a'))).toEqual(['/a/f']);
  });

  it('tells the observer what each layer removed and what each entry shadowed', () => {
    const heard: string[] = [];
    const observer = (i: number): LayerObserver => ({
      removed: (gone, why) => heard.push(`${i} -${why} ${paths(gone).join(' ')}`),
      placed: (e, over) => heard.push(`${i} +${e.path}${over ? ` over L${over.layer}` : ''}`),
    });
    merge([layer('d/', 'd/x', 'd/y', 'f', 'o/', 'o/p/', 'o/p/q', 'o/r'), layer('o/.wh..wh..opq', '.wh.f', 'd', 'o/r')], observer);
    expect(heard).toEqual([
      '0 +/d', '0 +/d/x', '0 +/d/y', '0 +/f', '0 +/o', '0 +/o/p', '0 +/o/p/q', '0 +/o/r',
      '1 -whiteout /f',
      '1 -replaced /d /d/x /d/y', '1 +/d over L0',
      '1 +/o/r over L0',
      '1 -opaque /o/p /o/p/q',
    ]);
  });

  it('implies missing directories (0755 root) and says which ones are', () => {
    const t = merge([layer('deep/er/f'), layer('deep/')]);
    expect(t.at('/deep/er')).toMatchObject({ type: 'dir', mode: 0o755, uid: 0, layer: 0 });
    expect(t.isImplied(t.at('/deep/er')!)).toBe(true);
    expect(t.isImplied(t.at('/deep')!)).toBe(false);
    expect(t.isImplied(t.at('/')!)).toBe(true);
    expect(paths(t.children('/deep'))).toEqual(['/deep/er']);
  });

  it('places names where the engine unpacks them: through the symlinks of their directory', () => {
    const t = merge([
      layer('usr/', 'usr/lib/', 'usr/lib/a', 'lib->usr/lib', 'loop->loop'),
      layer('lib/.wh.a', 'lib/x', 'lib/y=>lib/x', 'loop/f'),
    ]);
    expect(paths(t.children('/usr/lib'))).toEqual(['/usr/lib/x', '/usr/lib/y']);
    expect(t.at('/usr/lib/y')).toMatchObject({ type: 'hardlink', linkname: '/usr/lib/x', content: t.at('/usr/lib/x')!.content });
    expect(t.at('/loop')!.type).toBe('dir'); // a loop is not followed forever
  });

  it('a hardlink shares its target\'s bytes as they are when it is made (tar order, duplicates too)', () => {
    const t = merge([layer('h/', 'h/t', 'h/l=>h/t', 'h/t')]);
    expect(t.at('/h/l')!.content).toEqual({ layer: 0, offset: 512, size: 1 });
    expect(t.at('/h/t')!.content).toEqual({ layer: 0, offset: 1536, size: 1 });
    expect(t.hardlinkGroup('/h/l')).toEqual(['/h/l']);
  });
});

describe('MergedTree lookups', () => {
  const t = merge([layer('usr/', 'usr/bin/', 'usr/bin/sh', 'usr/bin/bash=>usr/bin/sh', 'bin->usr/bin', 'etc/', 'etc/alt->/bin/sh', 'etc/dangling->nowhere', 'etc/up->../../../usr')]);

  it('resolves every symlink on the way, as the kernel does', () => {
    expect(t.resolve('/bin/sh')?.path).toBe('/usr/bin/sh');
    expect(t.resolve('/etc/alt')?.path).toBe('/usr/bin/sh');
    expect(t.resolve('/etc/up/bin/../bin/bash')?.path).toBe('/usr/bin/bash');
    expect(t.resolve('/etc/dangling')).toBeUndefined();
    expect(t.resolve('/usr/bin/sh/x')).toBeUndefined();
    expect(t.get('usr//bin/./sh')?.path).toBe('/usr/bin/sh');
  });

  it('groups hardlinks by their bytes and lists children in path order', () => {
    expect(t.hardlinkGroup('/usr/bin/bash')).toEqual(['/usr/bin/bash', '/usr/bin/sh']);
    expect(paths(t.children('/'))).toEqual(['/bin', '/etc', '/usr']);
    expect(t.size).toBe(10);
  });

  it('refuses changes that would break the tree', () => {
    const u = new MergedTree();
    u.put({ path: '/f', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, size: 0, dataOffset: 0, layer: 0 });
    expect(() => u.put({ path: '/f/x', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, size: 0, dataOffset: 0, layer: 0 })).toThrow(/parent is a file/);
    expect(() => u.put({ path: '/', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, size: 0, dataOffset: 0, layer: 0 })).toThrow(/remove the directory/);
  });
});
