// Python imports resolved as the import system searches sys.path (src/refs/resolve/python.ts).
import { describe, expect, it } from 'vitest';
import { indexView } from '../../src/elf/index.js';
import { refResolver } from '../../src/refs/index.js';
import { memIndex, memRead, type Spec } from '../select/memindex.js';

const resolverOf = (specs: Spec[]) => {
  const index = memIndex(specs);
  return refResolver(indexView(index, memRead(index)), [], '/app');
};
const targets = (specs: Spec[], name: string) =>
  resolverOf(specs).resolve('/app/app.py', { lang: 'python', kind: 'import', name, line: 1, how: 'import' }).targets.map((t) => t.path);

describe('python import resolution', () => {
  // Debian's python3-numpy: the package in /usr/lib/python3/dist-packages, and a directory of the
  // same name (no __init__) in /usr/lib/python3.11/dist-packages, which comes later on sys.path
  const debian: Spec[] = [
    '/usr/lib/python3.11/os.py', '/usr/lib/python3/dist-packages/numpy/__init__.py', '/usr/lib/python3/dist-packages/numpy/core/__init__.py',
    '/usr/lib/python3.11/dist-packages/numpy/core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so',
    '/usr/local/lib/python3.11/dist-packages/nsonly/part.py',
  ];

  it('a regular package wins over a namespace portion of the same name', () => {
    expect(targets(debian, 'numpy')).toEqual(['/usr/lib/python3/dist-packages/numpy', '/usr/lib/python3/dist-packages/numpy/__init__.py']);
    expect(targets(debian, 'numpy.core')).toContain('/usr/lib/python3/dist-packages/numpy/core/__init__.py');
  });

  it('a namespace package when no entry holds a regular one', () => {
    expect(targets(debian, 'nsonly.part')).toEqual(['/usr/local/lib/python3.11/dist-packages/nsonly', '/usr/local/lib/python3.11/dist-packages/nsonly/part.py']);
  });

  it("site directories in Debian's order: /usr/lib/python3/dist-packages before /usr/lib/python3.11/dist-packages", () => {
    const specs: Spec[] = ['/usr/lib/python3.11/os.py', '/usr/lib/python3/dist-packages/dup.py', '/usr/lib/python3.11/dist-packages/dup.py'];
    expect(targets(specs, 'dup')).toEqual(['/usr/lib/python3/dist-packages/dup.py']);
  });
});

describe('module names written in strings', () => {
  const specs: Spec[] = ['/usr/lib/python3/dist-packages/pygments/__init__.py', '/usr/lib/python3/dist-packages/pygments/lexers/__init__.py',
    '/usr/lib/python3/dist-packages/pygments/lexers/_mapping.py', '/usr/lib/python3/dist-packages/pygments/lexers/ruby.py', '/usr/lib/python3.11/os.py',
    '/usr/lib/python3.11/json/__init__.py', '/usr/lib/python3.11/logging/__init__.py', '/usr/lib/python3.11/logging/handlers.py',
    '/usr/lib/python3/dist-packages/django/__init__.py', '/usr/lib/python3/dist-packages/django/core/__init__.py',
    '/usr/lib/python3/dist-packages/django/core/mail/__init__.py', '/usr/lib/python3/dist-packages/django/core/mail/backends/__init__.py',
    '/usr/lib/python3/dist-packages/django/core/mail/backends/console.py',
    '/srv/app/settings.py', '/srv/app/config.py', '/usr/lib/python3/dist-packages/other/__init__.py'];
  const named = (from: string, name: string) => resolverOf(specs).resolve(from, { lang: 'python', kind: 'import', name, line: 1, how: 'module named in a string', ifPresent: true }).targets.map((t) => t.path);
  it('a module of any package, from any file (a package\'s own table, an app\'s settings)', () => {
    expect(named('/usr/lib/python3/dist-packages/pygments/lexers/_mapping.py', 'pygments.lexers.ruby')).toContain('/usr/lib/python3/dist-packages/pygments/lexers/ruby.py');
    expect(named('/usr/lib/python3/dist-packages/other/__init__.py', 'pygments.lexers.ruby')).toContain('/usr/lib/python3/dist-packages/pygments/lexers/ruby.py');
  });
  it('the module holding a class or function the string ends with', () => {
    expect(named('/srv/app/settings.py', 'django.core.mail.backends.console.EmailBackend')).toContain('/usr/lib/python3/dist-packages/django/core/mail/backends/console.py');
    expect(named('/srv/app/settings.py', 'logging.handlers.RotatingFileHandler')).toContain('/usr/lib/python3.11/logging/handlers.py');
    expect(named('/srv/app/settings.py', 'json.JSONDecoder')).toContain('/usr/lib/python3.11/json/__init__.py');
    expect(named('/srv/app/settings.py', 'pygments.lexers.get_lexer')).toContain('/usr/lib/python3/dist-packages/pygments/lexers/__init__.py');
  });
  it('a catalog (a file naming more modules than a loader\'s table does) is followed only into its own package', () => {
    const cat = (from: string, name: string) => resolverOf(specs).resolve(from, { lang: 'python', kind: 'import', name, line: 1, how: 'module named in a string', ifPresent: true, catalog: true }).targets.map((t) => t.path);
    expect(cat('/usr/lib/python3/dist-packages/other/__init__.py', 'logging.handlers')).toEqual([]);
    expect(cat('/usr/lib/python3/dist-packages/pygments/lexers/_mapping.py', 'pygments.lexers.ruby')).toContain('/usr/lib/python3/dist-packages/pygments/lexers/ruby.py');
  });
  it('nothing, and nothing said, for a string no module has (a file name, a missing module)', () => {
    expect(named('/srv/app/settings.py', 'config.yaml')).toEqual([]);
    expect(named('/srv/app/settings.py', 'pygments.nope.deeper.name')).toEqual([]); // two names may be attributes, not three
    expect(named('/srv/app/settings.py', 'global.dat')).toEqual([]);
    expect(resolverOf(specs).resolve('/srv/app/settings.py', { lang: 'python', kind: 'import', name: 'nope.mod', line: 1, how: 'module named in a string', ifPresent: true })).toEqual({ targets: [] });
  });
});

describe('package resources', () => {
  const specs: Spec[] = ['/usr/lib/python3/dist-packages/jsonschema/__init__.py', '/usr/lib/python3/dist-packages/jsonschema/_utils.py',
    '/usr/lib/python3/dist-packages/jsonschema/schemas/draft7.json', '/usr/lib/python3/dist-packages/certifi/__init__.py', '/usr/lib/python3/dist-packages/certifi/cacert.pem', '/usr/lib/python3.11/os.py'];
  const res = (from: string, name: string) => resolverOf(specs).resolve(from, { lang: 'python', kind: 'unit', name, line: 1, how: 'package resource', ifPresent: true }).targets;
  it('a path in the named package, or in the naming file\'s own (a directory whole); nothing for what is not there', () => {
    expect(res('/usr/lib/python3/dist-packages/jsonschema/_utils.py', '.:schemas')).toEqual([{ path: '/usr/lib/python3/dist-packages/jsonschema/schemas', subtree: true }]);
    expect(res('/app/x.py', 'certifi:cacert.pem')).toEqual([{ path: '/usr/lib/python3/dist-packages/certifi/cacert.pem' }]);
    expect(res('/app/x.py', 'certifi:nope.pem')).toEqual([]);
    expect(res('/app/x.py', 'nopkg:x')).toEqual([]);
  });
});
