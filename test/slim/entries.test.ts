import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { keptEntries, mergeEntries } from '../../src/slim/index.js';
import type { FsEntry } from '../../src/image/types.js';
import type { KeepSet } from '../../src/select/index.js';

const e = (path: string, type: FsEntry['type'], extra: Partial<FsEntry> = {}): FsEntry => ({
  path, type, mode: 0o4755, uid: 7, gid: 8, mtime: 1234.5, size: type === 'file' ? 3 : 0, dataOffset: 99, layer: 1,
  ...(type === 'file' || type === 'hardlink' ? { content: { layer: 1, offset: 99, size: 3 } } : {}),
  ...extra,
});

describe('keptEntries', () => {
  it('keeps metadata (mode incl. setuid, owner, fractional mtime, xattrs) and opens content lazily', async () => {
    const cap = Buffer.from([1, 0, 0, 2, 0, 4, 0, 0]);
    const keep: KeepSet = new Map([
      ['/', { entry: e('/', 'dir'), reasons: [{ kind: 'parent' }] }],
      ['/x', { entry: e('/x', 'file', { xattrs: { 'security.capability': cap } }), reasons: [{ kind: 'traced' }] }],
    ]);
    const opened: string[] = [];
    const out = keptEntries(keep, (en) => { opened.push(en.path); return Readable.from([Buffer.from('abc')]); });
    expect(opened).toEqual([]);
    const x = out.find((w) => w.path === '/x')!;
    expect(x).toMatchObject({ type: 'file', mode: 0o4755, uid: 7, gid: 8, mtime: 1234.5, size: 3 });
    expect(x.xattrs!['security.capability']).toEqual(cap);
    expect('dataOffset' in x || 'layer' in x || 'content' in x).toBe(false);
    await x.open!();
    expect(opened).toEqual(['/x']);
  });

  it('a hardlink whose target was not kept becomes a file with the shared content', () => {
    const keep: KeepSet = new Map([
      ['/a', { entry: e('/a', 'hardlink', { linkname: '/gone', size: 0 }), reasons: [{ kind: 'traced' }] }],
      ['/b', { entry: e('/b', 'file'), reasons: [{ kind: 'traced' }] }],
      ['/c', { entry: e('/c', 'hardlink', { linkname: '/b', size: 0 }), reasons: [{ kind: 'hardlink', of: '/b' }] }],
    ]);
    const out = keptEntries(keep, () => Readable.from([]));
    expect(out.find((w) => w.path === '/a')).toMatchObject({ type: 'file', size: 3 });
    expect(out.find((w) => w.path === '/a')!.linkname).toBeUndefined();
    expect(out.find((w) => w.path === '/c')).toMatchObject({ type: 'hardlink', linkname: '/b', size: 0 });
  });

  it('--exe entries replace a kept file of the same path and get parents', () => {
    const kept = [{ path: '/usr/bin/x', type: 'file' as const, mode: 0o755, uid: 0, gid: 0, mtime: 0, size: 1 }];
    const extra = [{ path: '/usr/bin/x', type: 'file' as const, mode: 0o700, uid: 0, gid: 0, mtime: 5, size: 9 }];
    const out = mergeEntries(kept, extra);
    expect(out.filter((w) => w.path === '/usr/bin/x')).toEqual([extra[0]]);
    expect(out.map((w) => w.path).sort()).toEqual(['/', '/usr', '/usr/bin', '/usr/bin/x']);
  });
});
