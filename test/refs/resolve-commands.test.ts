// Command words resolved as the shell (or the program that runs them) would (src/refs/resolve/commands.ts).
import { describe, expect, it } from 'vitest';
import { indexView } from '../../src/elf/index.js';
import { refResolver } from '../../src/refs/index.js';
import type { RawRef } from '../../src/refs/index.js';
import { memIndex, memRead } from '../select/memindex.js';

const index = memIndex(['/usr/bin/echo', '/usr/bin/printf', '/usr/bin/bzip2'].map((path) => ({ path, mode: 0o755 })));
const resolver = refResolver(indexView(index, memRead(index)), ['PATH=/usr/local/bin:/usr/bin:/bin'], '/');
const paths = (r: Partial<RawRef>) => resolver.resolve('/entry.sh', { lang: 'shell', kind: 'command', line: 1, how: 'command', name: '', ...r }).targets.map((t) => t.path);

describe('command words', () => {
  it('a builtin needs no file, unless another program runs it (xargs echo, env printf)', () => {
    expect(paths({ name: 'echo' })).toEqual([]);
    expect(paths({ name: 'echo', external: true, how: 'run by xargs' })).toEqual(['/usr/bin/echo']);
    expect(paths({ name: 'printf', external: true, how: 'find -exec' })).toEqual(['/usr/bin/printf']);
    expect(paths({ name: 'bzip2' })).toEqual(['/usr/bin/bzip2']);
  });
});

describe('glob patterns and file-relative units', () => {
  const idx = memIndex(['/usr/lib/app/plugins/a.rb', '/usr/lib/app/plugins/b.rb', '/usr/lib/app/plugins/c.txt', '/usr/lib/app/plugins/.hidden.rb',
    '/usr/lib/app/plugins/sub/', '/etc/app/conf.d/1-x.conf', '/etc/app/conf.d/deep/2-y.conf', '/opt/tool/lib/t.rb', '/opt/tool/bin/tool']);
  const r = refResolver(indexView(idx, memRead(idx)), [], '/');
  const resolve = (name: string, kind: RawRef['kind'] = 'path', from = '/app/x.rb') => r.resolve(from, { lang: 'ruby', kind, name, line: 1, how: 'glob' }).targets.map((t) => t.path);
  it('a glob keeps the files it matches, as the shell expands it (no dot files, no directories)', () => {
    expect(resolve('/usr/lib/app/plugins/*.rb')).toEqual(['/usr/lib/app/plugins/a.rb', '/usr/lib/app/plugins/b.rb']);
    expect(resolve('/usr/lib/app/plugins/[!a]*')).toEqual(['/usr/lib/app/plugins/b.rb', '/usr/lib/app/plugins/c.txt']);
    expect(resolve('/etc/app/**/*.conf')).toEqual(expect.arrayContaining(['/etc/app/conf.d/1-x.conf', '/etc/app/conf.d/deep/2-y.conf']));
    expect(resolve('/nowhere/*.rb')).toEqual([]);
  });
  it('a unit relative to the file that names it (File.expand_path("../lib", __dir__))', () => {
    expect(resolve('${__DIR__}/../lib', 'unit', '/opt/tool/bin/tool')).toEqual(['/opt/tool/lib']);
  });
});
