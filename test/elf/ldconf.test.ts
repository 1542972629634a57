import { describe, expect, it } from 'vitest';
import { hostView, ldSoConfFiles, readLdSoConf } from '../../src/elf/index.js';
import { MergedTree, applyLayer, planLayer } from '../../src/image/overlay/index.js';
import type { TarEntry } from '../../src/image/types.js';
import { memView } from './memview.js';

describe('readLdSoConf', () => {
  it('reads dirs, comments and include globs in sorted order', () => {
    const v = memView({
      '/etc/ld.so.conf': '# top\ninclude /etc/ld.so.conf.d/*.conf\n/opt/top/lib\n',
      '/etc/ld.so.conf.d/b.conf': '/opt/b/lib # trailing comment\n',
      '/etc/ld.so.conf.d/a.conf': '/opt/a/lib\n\n/opt/a/lib64:/opt/a/more\ninclude nested.inc\n',
      '/etc/ld.so.conf.d/nested.inc': '/opt/nested\n',
      '/etc/ld.so.conf.d/ignored.txt': '/opt/ignored\n',
      '/etc/ld.so.conf.d/loop.conf': 'include /etc/ld.so.conf\n',
    });
    expect(readLdSoConf(v)).toEqual(['/opt/a/lib', '/opt/a/lib64', '/opt/a/more', '/opt/nested', '/opt/b/lib', '/opt/top/lib']);
  });
  it('returns nothing without the file', () => {
    expect(readLdSoConf(memView({}))).toEqual([]);
  });
  it('reads the host config', () => {
    expect(readLdSoConf(hostView())).toContain('/usr/lib/x86_64-linux-gnu');
  });
  it('names the conf files it will read, for fetching them ahead: the conf and its directory', () => {
    const entry = (path: string, i: number): TarEntry => ({ path, type: path.endsWith('.d') || path === '/etc' ? 'dir' : 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, size: 1, dataOffset: i * 512 });
    const t = new MergedTree();
    applyLayer(t, planLayer(['/etc', '/etc/ld.so.conf', '/etc/ld.so.conf.d', '/etc/ld.so.conf.d/b.conf', '/etc/ld.so.conf.d/a.conf', '/etc/passwd'].map(entry)), 0);
    expect(ldSoConfFiles(t)).toEqual(['/etc/ld.so.conf', '/etc/ld.so.conf.d/a.conf', '/etc/ld.so.conf.d/b.conf']);
    expect(ldSoConfFiles(new MergedTree())).toEqual(['/etc/ld.so.conf']);
  });
});
