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
