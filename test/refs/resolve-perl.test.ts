// Perl units (a namespace loaded by a name built at run time) resolved over @INC (src/refs/resolve/perl.ts).
import { describe, expect, it } from 'vitest';
import { indexView } from '../../src/elf/index.js';
import { refResolver } from '../../src/refs/index.js';
import { memIndex, memRead, type Spec } from '../select/memindex.js';

const specs: Spec[] = [
  '/usr/lib/x86_64-linux-gnu/perl5/5.36/DBI.pm', '/usr/lib/x86_64-linux-gnu/perl5/5.36/DBD/SQLite.pm',
  '/usr/lib/x86_64-linux-gnu/perl5/5.36/auto/DBD/SQLite/SQLite.so', '/usr/share/perl5/DBD/Pg.pm', '/app/lib/Fmt/Csv.pm',
];
const resolve = (name: string, how = 'require by name') => {
  const index = memIndex(specs);
  return refResolver(indexView(index, memRead(index)), ['PERL5LIB=/app/lib'], '/app').resolve('/app/x.pl', { lang: 'perl', kind: 'unit', name, line: 1, how });
};

describe('perl namespace units', () => {
  it('keeps the namespace dir in every @INC entry and its XS parts under auto/', () => {
    expect(resolve('DBD').targets).toEqual([
      { path: '/usr/lib/x86_64-linux-gnu/perl5/5.36/DBD', subtree: true },
      { path: '/usr/lib/x86_64-linux-gnu/perl5/5.36/auto/DBD', subtree: true },
      { path: '/usr/share/perl5/DBD', subtree: true },
    ]);
  });
  it('a nested namespace and a PERL5LIB dir; nothing for an unknown one', () => {
    expect(resolve('Fmt').targets.map((t) => t.path)).toEqual(['/app/lib/Fmt']);
    expect(resolve('Nope::Here')).toMatchObject({ targets: [], unresolved: expect.stringMatching(/no namespace Nope::Here/) });
  });
});

describe('perl: a package\'s own sub-modules', () => {
  it('the modules directly below it that its words name, in every @INC dir, each with its XS part; not deeper', () => {
    const index = memIndex([...specs, '/usr/share/perl5/DBD/Pg/Deep.pm', '/usr/lib/x86_64-linux-gnu/perl5/5.36/DBD/notes.txt']);
    const r = refResolver(indexView(index, memRead(index)), [], '/').resolve('/usr/share/perl5/DBD.pm', { lang: 'perl', kind: 'import', name: 'DBD::*', names: ['SQLite', 'Pg', 'Deep', 'Oracle'], line: 1, how: 'its own sub-modules by name', ifPresent: true });
    expect(r.targets.map((t) => t.path).sort()).toEqual([
      '/usr/lib/x86_64-linux-gnu/perl5/5.36/DBD/SQLite.pm', '/usr/lib/x86_64-linux-gnu/perl5/5.36/auto/DBD/SQLite/SQLite.so', '/usr/share/perl5/DBD/Pg.pm',
    ]);
  });
});
