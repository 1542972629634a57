// The scanners find references anywhere in a file (inside functions, branches, try blocks) and
// never inside comments or strings that are not code.
import { describe, expect, it } from 'vitest';
import { sniff, languageOf, scan } from '../../src/refs/index.js';
import type { RawRef } from '../../src/refs/index.js';
import { registryScanner, scanEntryPoints } from '../../src/refs/scan/registry.js';

const names = (refs: RawRef[], kind?: string) => refs.filter((r) => !kind || r.kind === kind).map((r) => r.name);

describe('python', () => {
  const src = [
    'import os, sys as system',
    '# import commented_out',
    's = "import not_code"',
    'def handler(req):',
    '    import decimal',
    '    from csv import reader, writer',
    '    from . import sibling',
    '    from ..pkg.mod import (a,',
    '        b)',
    '    try: import ujson',
    '    except ImportError: import json',
    '    m = importlib.import_module("plugins.alpha")',
    '    n = importlib.import_module("handlers." + name)',
    '    subprocess.run(["convert", "-resize"], check=True)',
    '    os.system("gzip -9 /tmp/x")',
    '    open("/usr/share/app/data.json")',
    '    t = f"/srv/templates/{name}.html"',
    '    q = """',
    'import inside_docstring',
    '"""',
  ].join('\n');
  const refs = scan('python', src);
  it('finds imports anywhere, with lines, and nothing in comments or strings', () => {
    expect(names(refs, 'import')).toEqual(['os', 'sys', 'decimal', 'ujson', 'json', 'csv', '', 'pkg.mod', 'plugins.alpha']);
    expect(refs.find((r) => r.name === 'decimal')!.line).toBe(5);
    const rel = refs.find((r) => r.how === 'from' && r.level === 2)!;
    expect(rel.names).toEqual(['a', 'b']);
    expect(refs.find((r) => r.how === 'from' && r.level === 1)!.names).toEqual(['sibling']);
  });
  it('a run-time module name keeps its literal package; programs and paths are found', () => {
    expect(names(refs, 'unit')).toContain('handlers');
    expect(names(refs, 'command')).toEqual(['convert', 'gzip']);
    expect(names(refs, 'path')).toEqual(expect.arrayContaining(['/usr/share/app/data.json', '/tmp/x'].filter((p) => p !== '/tmp/x')));
    expect(names(refs, 'unit')).toContain('/srv/templates/');
  });
});

describe('node', () => {
  const src = [
    '#!/usr/bin/env node',
    "const fs = require('fs');",
    '// require("commented")',
    "const re = /require('inregex')/;",
    "app.get('/report', (req, res) => { const r = require('./lib/report'); res.send(r()) });",
    "import express from 'express';",
    "export { x } from './x.mjs';",
    "import './side-effect.js';",
    "const m = await import('lazy-pkg');",
    'const loc = require(`./locales/${lang}`);',
    "const url = 'http://example.com/a'; const z = require('zlib');",
    "execFile('git', ['status']); exec('tar xf /tmp/a.tar');",
  ].join('\n');
  const refs = scan('node', src);
  it('require under another name (moment hides it from bundlers): a built name is its directory', () => {
    const r = scan('node', "function loadLocale(name) {\n  var aliasedRequire = require;\n  aliasedRequire('./locale/' + name);\n}\n");
    expect(r.filter((x) => x.kind === 'unit').map((x) => [x.name, x.line])).toEqual([['./locale/', 3]]);
  });
  it('finds require/import/import()/export-from with lines, skipping comments and regexes', () => {
    expect(names(refs.filter((r) => !r.ifPresent), 'import')).toEqual(['fs', './lib/report', 'express', './x.mjs', './side-effect.js', 'lazy-pkg', 'zlib']);
    expect(refs.find((r) => r.name === './lib/report')!.line).toBe(5);
  });
  it('template prefixes become units, child_process names programs', () => {
    expect(names(refs, 'unit')).toEqual(['./locales/']);
    expect(names(refs, 'command')).toEqual(['git', 'tar']);
  });
});

describe('ruby, perl, php', () => {
  it('ruby: require in a route, require_relative, autoload, backticks', () => {
    const refs = scan('ruby', [
      "require 'socket'",
      'def route(req)',
      "  require 'bigdecimal'",
      "  require_relative 'lib/util'",
      "  autoload :CSV, 'csv'",
      '  `iconv -f utf-8 -t latin1 x`',
      '  "#{require_not}"',
      'end',
      '=begin',
      "require 'in_doc'",
      '=end',
    ].join('\n'));
    expect(names(refs, 'import')).toEqual(['socket', 'bigdecimal', 'lib/util', 'csv']);
    expect(names(refs, 'command')).toEqual(['iconv']);
  });
  it('perl: use/require/parent, pod skipped, version pragmas ignored', () => {
    const refs = scan('perl', [
      'use strict;', 'use v5.36;', 'use POSIX qw(strftime);', 'use parent -norequire, qw(Base::One);', 'use base "Base::Two";',
      'sub x { require Text::Wrap; require "lib/helpers.pl"; }', '=pod', 'use Not::Code;', '=cut', 'system("gzip", "-d");',
      // a statement modifier or a low-precedence operator after the name (IO::Socket's own `require IO::Socket::UNIX if ...`)
      "require IO::Socket::UNIX if ($^O ne 'epoc');", 'require Mod::Or or die;', 'require Mod::Unless unless $x;', 'require Mod::Last }',
      'require Mod::Eol',
      '  ;',
    ].join('\n'));
    expect(names(refs, 'import')).toEqual(['strict', 'POSIX', 'parent', 'Base::One', 'base', 'Base::Two', 'Text::Wrap', 'lib/helpers.pl',
      'IO::Socket::UNIX', 'Mod::Or', 'Mod::Unless', 'Mod::Last', 'Mod::Eol']);
    expect(names(refs, 'command')).toEqual(['gzip']);
  });
  it('perl: a module named in a string (Digest\'s table, a class in a variable), the module of use if', () => {
    const refs = scan('perl', [
      'use if $] > 5.017, \'deprecate\';',
      'my %MMAP = ("SHA-256" => [["Digest::SHA", 256], "Digest::SHA2"], MD5 => "Digest::MD5");',
      "our $CONTEXT = 'Template::Context';",
      'my $not = "a::b c"; my $dyn = "Plug::$x";',
      'require Digest::MD5;',
    ].join('\n'));
    expect(refs.filter((r) => r.ifPresent).map((r) => [r.name, r.line])).toEqual([['Digest::SHA', 2], ['Digest::SHA2', 2], ['Template::Context', 3]]);
    expect(refs.filter((r) => r.how === 'use if').map((r) => r.name)).toEqual(['deprecate']);
  });
  it('perl: a file that requires by a variable keeps each namespace it builds a name in, however the name travels (Digest)', () => {
    const refs = scan('perl', [
      'my $impl = $MMAP{$alg} || do { "Digest::$alg" };',
      'for (@$impl) { my $class = $_; my $pm_file = $class . ".pm"; $pm_file =~ s{::}{/}g; eval { require $pm_file }; }',
      'warn "Other::$x";',
    ].join('\n'));
    expect(refs.filter((r) => r.kind === 'unit').map((r) => [r.name, r.line, r.how, r.ifPresent])).toEqual([
      ['Digest', 1, 'name built for a require', true], ['Other', 3, 'name built for a require', true],
    ]);
    // a package keeps the modules directly below it (B::Hooks::EndOfScope loads ::XS or ::PP by a built name)
    const own = scan('perl', "package B::Hooks::EndOfScope;\nbuild_loader_sub(implementations => [ 'XS', 'PP' ], symbols => ['on_scope_end']);\npackage main;\n");
    expect(own.filter((r) => r.how === 'its own sub-modules by name').map((r) => [r.name, r.names])).toEqual([['B::Hooks::EndOfScope::*', ['XS', 'PP']]]);
    expect(scan('perl', 'package B;\nmy $x = "op";\n').filter((r) => r.how === 'its own sub-modules by name')).toEqual([]);
    // File::ShareDir: a distribution's shared data by its name
    expect(scan('perl', "my $f = dist_file('DateTime-Locale', $code . '.pl');\nmodule_dir('Foo::Bar');").filter((r) => r.kind === 'unit').map((r) => [r.name, r.how])).toEqual([
      ['auto/share/dist/DateTime-Locale', 'dist_file'], ['auto/share/module/Foo-Bar', 'module_dir'],
    ]);
    // CORE:: names Perl's builtins (Fatal builds "CORE::$name")
    expect(scan('perl', 'my $c = "CORE::$name"; require $x;').filter((r) => r.kind === 'unit')).toEqual([]);
    // a file naming more modules than a loader's table does is a catalog (Module::CoreList)
    const many = scan('perl', `my %v = (${Array.from({ length: 70 }, (_, i) => `'Mod${i}::X' => 1`).join(', ')});`);
    expect(many.filter((r) => r.ifPresent).every((r) => r.catalog)).toBe(true);
    expect(scan('perl', "my $x = 'Digest::SHA';").some((r) => r.catalog)).toBe(false);
    // without a require by a variable, a built name is only a string
    expect(scan('perl', 'my $x = "Digest::$alg"; print $x;').filter((r) => r.kind === 'unit')).toEqual([]);
  });
  it('perl: a module loaded by a name built at run time keeps its namespace (DBI loads DBD::<driver> in a string eval)', () => {
    const refs = scan('perl', [
      'my $driver_class = "DBD::$driver";',
      'eval qq{package DBI::_firesafe;',
      '    require $driver_class;',
      '};',
      'my $class = "Fmt::\\u$cmd";',
      'eval "require $class; 1" or die $@;',
      'my $fullmeth = "Meth::${class}::$method"; # never required itself, but this file requires by a variable',
      'require_module("Plug::In::$x");',
      "my $k = 'Kit::' . $name; $k->require;",
      'require "Tpl/$x.pm";',
      'my $static = "Not::Dynamic"; require $static;',
    ].join('\n'));
    expect(refs.filter((r) => r.kind === 'unit').map((r) => [r.name, r.line, r.how])).toEqual([
      ['Tpl', 10, 'require file'], ['DBD', 3, 'require by name'], ['Fmt', 6, 'require by name'], ['Kit', 9, 'require by name'], ['Plug::In', 8, 'require by name'],
      ['Meth', 7, 'name built for a require'],
    ]);
  });
  it('php: include forms, only inside <?php ?>', () => {
    const refs = scan('php', [
      "<html>don't include 'html.php'</html>",
      '<?php',
      "require_once __DIR__ . '/lib/db.php';",
      "include 'views/header.php';",
      "require dirname(__FILE__) . '/conf.php';",
      "$out = shell_exec('iconv -l');",
      '?>',
    ].join('\n'));
    expect(names(refs, 'import')).toEqual(['__DIR__/lib/db.php', 'views/header.php', '__DIR__/conf.php']);
    expect(names(refs, 'command')).toEqual(['iconv']);
  });
});

describe('shell', () => {
  const src = [
    '#!/bin/sh',
    'set -e',
    'HERE="$(cd "$(dirname "$0")" && pwd)"',
    'TOOLS=/opt/tools',
    '. "$HERE/lib/common.sh"',
    'usage() { echo "usage"; }',
    'case "$1" in',
    '  serve) exec gunicorn app:app ;;',
    '  migrate|upgrade)',
    '    psql -f /app/sql/schema.sql',
    '    $TOOLS/bin/fixup --all | gzip > /tmp/out.gz',
    '    ;;',
    '  report) python3 /app/report.py "$(date +%F)" ;;',
    '  *) usage; exit 1 ;;',
    'esac',
    'if [ -x /usr/bin/foo ]; then env LANG=C nohup awk -f x.awk; fi',
    'cat <<EOF',
    'notacommand --here',
    'EOF',
    'gosu app:app sed -n 1p "$CONF"',
    'sh -c "iconv -f utf8 -t ebcdic-us"',
  ].join('\n');
  const refs = scan('shell', src);
  it('finds the command of every branch, through wrappers, not heredocs, case patterns or functions', () => {
    expect(names(refs, 'command')).toEqual(['set', 'echo', 'exec', 'gunicorn', 'psql', '/opt/tools/bin/fixup', 'gzip', 'python3', 'date', 'exit', 'env', 'nohup', 'awk', 'cat', 'gosu', 'sed', 'sh', 'iconv']);
  });
  it('sourced files through the script directory, and named paths', () => {
    expect(names(refs, 'source')).toEqual(['${__DIR__}/lib/common.sh']);
    expect(names(refs, 'path')).toEqual(expect.arrayContaining(['/app/sql/schema.sql', '/app/report.py', '/usr/bin/foo', '/opt/tools']));
    expect(refs.find((r) => r.name === 'psql')!.line).toBe(10);
  });
});

describe('shell command substitutions', () => {
  it('inside double quotes, with quotes and parentheses of their own', () => {
    const refs = scan('shell', `echo "sum $(gzip -dc "$D/x.gz" | sha256sum | cut -d' ' -f1)"\necho "today: $(date +%F)" done`);
    expect(names(refs, 'command')).toEqual(['echo', 'gzip', 'sha256sum', 'cut', 'echo', 'date']);
  });
});

describe('languageOf', () => {
  it('examples, templates and backups of code are not code, unless the trace shows them read by an interpreter', () => {
    const perl = { shebang: { interpreter: '/usr/bin/perl' } };
    expect(languageOf('/usr/share/git-core/templates/hooks/fsmonitor-watchman.sample', perl)).toBeUndefined();
    expect(languageOf('/app/config.php.dist')).toBeUndefined();
    expect(languageOf('/app/run.pl.orig', perl)).toBeUndefined();
    expect(languageOf('/app/run.pl~')).toBeUndefined();
    expect(languageOf('/app/hooks/deploy.sample', { openedBy: 'shell' })).toBe('shell');
    expect(languageOf('/app/sample', perl)).toBe('perl');
  });
  it('by #! (also through env) and by extension', () => {
    expect(languageOf('/app/x', { shebang: { interpreter: '/usr/bin/env', arg: 'python3' } })).toBe('python');
    expect(languageOf('/usr/local/bin/entry', { shebang: { interpreter: '/bin/bash' } })).toBe('shell');
    expect(languageOf('/app/server.mjs')).toBe('node');
    expect(languageOf('/app/README')).toBeUndefined();
  });
  it('the interpreter that opened it first, then #!, then the extension, then the content', () => {
    // node opened it in the run: node code, whatever its name or "#!" say
    expect(languageOf('/app/handlers.route', { openedBy: 'node' })).toBe('node');
    expect(languageOf('/app/tool.py', { openedBy: 'node', shebang: { interpreter: '/usr/bin/python3' } })).toBe('node');
    // ...but not a file whose name says data
    expect(languageOf('/app/labels.json', { openedBy: 'node' })).toBeUndefined();
    expect(languageOf('/app/x.rb', { shebang: { interpreter: '/usr/bin/perl' } })).toBe('perl');
    // nothing names it: its lines do
    expect(languageOf('/app/handler', {}, "const ms = require('ms');\nmodule.exports = () => ms(1);\n")).toBe('node');
    expect(languageOf('/app/job', {}, 'from os import path\n\ndef main():\n    pass\n')).toBe('python');
    expect(languageOf('/app/job', {}, 'use strict;\nuse warnings;\n')).toBe('perl');
    expect(languageOf('/app/notes', {}, 'remember to import the data\n')).toBeUndefined();
    expect(sniff('hello')).toBeUndefined();
  });
});

describe('libraries loaded by name', () => {
  it('python ctypes and cffi, ruby Fiddle and ffi, node process.dlopen and ffi, perl DynaLoader', () => {
    const py = scan('python', 'import ctypes, ctypes.util\ndef f():\n    lib = ctypes.CDLL(ctypes.util.find_library("bz2"))\n    m = ctypes.cdll.LoadLibrary("libm.so.6")\n    g = ffi.dlopen("libgit2.so.1.5")\n    return ctypes.CDLL(name)\n');
    expect(py.filter((r) => r.kind === 'library').map((r) => `${r.how} ${r.name}:${r.line}`)).toEqual(['find_library bz2:3', 'LoadLibrary libm.so.6:4', 'dlopen libgit2.so.1.5:5']);
    expect(names(scan('ruby', 'h = Fiddle.dlopen("libz.so.1")\nclass X\n  extend FFI::Library\n  ffi_lib "sqlite3"\nend\n'), 'library')).toEqual(['libz.so.1', 'sqlite3']);
    expect(names(scan('node', "process.dlopen(module, '/opt/x/addon.node');\nconst lib = ffi.Library('libcrypto', {});\n"), 'library')).toEqual(['/opt/x/addon.node', 'libcrypto']);
    expect(names(scan('perl', 'my $h = DynaLoader::dl_load_file("libyaml-0.so.2", 0);\n'), 'library')).toEqual(['libyaml-0.so.2']);
  });
});

describe('shell redirects and here-documents', () => {
  it('a redirect target is a path the command reads or writes', () => {
    const refs = scan('shell', 'sqlite3 /var/db/app.db < /srv/seed/schema.sql\nsort -u >> /var/log/sorted.txt 2>/dev/null\nawk -f x.awk </etc/app/input.tsv\n');
    expect(refs.filter((r) => r.kind === 'path' && r.how.startsWith('redirect')).map((r) => `${r.name}:${r.line}`))
      .toEqual(['/srv/seed/schema.sql:1', '/var/log/sorted.txt:2', '/dev/null:2', '/etc/app/input.tsv:3']);
    expect(names(refs, 'command')).toEqual(['sqlite3', 'sort', 'awk']);
  });
  it('a here-document is read as the code of the interpreter it feeds, else for the paths it names', () => {
    const text = 'set -e\npython3 - <<\'EOF\'\nimport json\nprint(open("/opt/rates/eur.json").read())\nEOF\ncat > /tmp/x.conf <<EOF\ninclude /etc/app/extra.conf\nroot=$HOME\nEOF\nsh <<EOF\ngzip -dc /srv/a.gz\nEOF\n';
    const refs = scan('shell', text);
    expect(refs.filter((r) => r.lang === 'python').map((r) => `${r.kind} ${r.name}:${r.line}`)).toEqual(['import json:3', 'path /opt/rates/eur.json:4']);
    expect(refs.filter((r) => r.how === 'here-document').map((r) => `${r.name}:${r.line}`)).toEqual(['/etc/app/extra.conf:7']);
    expect(refs.filter((r) => r.lang === 'shell' && r.kind === 'command').map((r) => `${r.name}:${r.line}`)).toEqual(['set:1', 'python3:2', 'cat:6', 'sh:10', 'gzip:11']);
    expect(refs.some((r) => r.name === '/srv/a.gz' && r.line === 11)).toBe(true);
  });
});

describe('python precision: what never runs when a module is imported on Linux', () => {
  it('a private function called only from the __main__ block, and branches for other systems', () => {
    const src = [
      'import os, sys',                       // 1
      'if sys.platform == "win32":',          // 2
      '    import _winapi',                   // 3
      'elif sys.platform.startswith("darwin"):', // 4
      '    import _osx_support',              // 5
      'else:',                                // 6
      '    import _posixsubprocess',          // 7
      'def _test():',                         // 8
      '    import doctest',                   // 9
      '    _helper()',                        // 10
      'def _helper():',                       // 11
      '    import pdb',                       // 12
      'def _used():',                         // 13
      '    import textwrap',                  // 14
      'def public():',                        // 15
      '    return _used()',                   // 16
      'def _other():',                        // 17
      '    import unittest',                  // 18
      'if __name__ == "__main__":',           // 19
      '    _test()',                          // 20
    ].join('\n');
    const refs = scan('python', src).filter((r) => r.kind === 'import').map((r) => r.name);
    expect(refs).toEqual(['os', 'sys', '_posixsubprocess', 'textwrap', 'unittest']);
  });
  it('an import in an except ImportError handler names what it falls back from', () => {
    const refs = scan('python', 'try:\n    from _decimal import *\n    import _speed\nexcept ImportError:\n    from _pydecimal import *\nexcept ValueError:\n    import logging\ntry:\n    x = 1\nexcept ImportError:\n    import fallback2\n');
    const fb = refs.find((r) => r.name === '_pydecimal')!;
    expect(fb.insteadOf?.map((r) => r.name).sort()).toEqual(['_decimal', '_speed']);
    expect(refs.find((r) => r.name === 'logging')!.insteadOf).toBeUndefined(); // not an import error
    expect(refs.find((r) => r.name === 'fallback2')!.insteadOf).toBeUndefined(); // nothing tried
  });
});

describe('a string handed to a shell is shell code', () => {
  const commands = (refs: RawRef[]) => refs.filter((r) => r.kind === 'command').map((r) => r.name);
  it('every command of a pipeline or list, in each language', () => {
    const line = 'gzip --version 2>&1 | head -1; find /srv -newer /tmp/x && tar cf - /srv | xz -9 > /backup/x.tar.xz';
    const want = ['gzip', 'head', 'find', 'tar', 'xz'];
    expect(commands(scan('perl', `my $v = \`${line}\`;\nsystem("${line}");`))).toEqual([...want, ...want]);
    expect(commands(scan('ruby', `v = \`${line}\`\nsystem('${line}')`))).toEqual([...want, ...want]);
    expect(commands(scan('php', `<?php\n$v = shell_exec('${line}');\n$w = \`${line}\`;`))).toEqual([...want, ...want]);
    expect(commands(scan('python', `import os, subprocess\nos.system("${line}")\nsubprocess.run("${line}", shell=True)`))).toEqual([...want, ...want]);
    expect(commands(scan('node', `const cp = require('child_process');\ncp.execSync('${line}');`))).toEqual(want);
  });
  it('its paths and redirect targets are paths, on the line of the string', () => {
    const refs = scan('perl', 'my $x = 1;\nsystem("sqlite3 /srv/app.db < /srv/schema.sql");');
    expect(refs.filter((r) => r.kind === 'path').map((r) => [r.name, r.line, r.how])).toEqual([['/srv/app.db', 2, 'system: named'], ['/srv/schema.sql', 2, 'system: redirect <']]);
  });
  it('an interpolated line: its commands up to the first interpolation', () => {
    expect(commands(scan('ruby', 'v = `gzip -dc #{file} | wc -l`'))).toEqual(['gzip']);
    expect(commands(scan('perl', 'my $v = `sort -u | uniq -c $file`;'))).toEqual(['sort', 'uniq']);
  });
  it('a program given with its arguments apart is the program only', () => {
    expect(commands(scan('perl', 'system("gzip", "-d", "a | b");'))).toEqual(['gzip']);
    expect(commands(scan('ruby', "system('gzip', '-d', 'a | b')"))).toEqual(['gzip']);
    expect(commands(scan('node', "require('child_process').execFileSync('gzip', ['a | b'])"))).toEqual(['gzip']);
  });
});

describe('code and modules given to an interpreter on its command line', () => {
  it('-c / -e code is read as that language; -m, -r, -M name modules; the script ends the options', () => {
    const refs = scan('shell', [
      'if [ "$1" = check ]; then',
      '  python3 -B -c "import decimal, json; print(1)"',
      'fi',
      'perl -MPOSIX -e "use Digest::SHA; print 1"',
      "node -r ./boot.js -e \"require('zlib')\"",
      "ruby -rjson -e \"require 'set'\"",
      'exec python3 -m http.server 80',
      'python3 /app/run.py -c not-code',
    ].join('\n'));
    expect(refs.filter((r) => r.kind === 'import').map((r) => `${r.lang} ${r.name} @${r.line}`)).toEqual([
      'python decimal @2', 'python json @2', 'perl POSIX @4', 'perl Digest::SHA @4', 'node ./boot.js @5', 'node zlib @5',
      'ruby json @6', 'ruby set @6', 'python http.server @7',
    ]);
  });
});

describe('module names written in strings', () => {
  it('python: a module or a class of one; a template of module names is the package it fills in', () => {
    const refs = scan('python', [
      "EMAIL_BACKEND = 'django.core.mail.backends.console.EmailBackend'",
      "format_locations = ['django.conf.locale.%s']",
      "handlers = {'h': {'class': 'logging.handlers.RotatingFileHandler'}}",
      "x = 'plugins.{}'.format(name); y = 'a-b.%s'; z = 'pkg.%(lang)s.formats'",
    ].join('\n'));
    expect(refs.filter((r) => r.ifPresent).map((r) => [r.kind, r.name, r.line])).toEqual([
      ['import', 'django.core.mail.backends.console.EmailBackend', 1], ['unit', 'django.conf.locale', 2],
      ['import', 'logging.handlers.RotatingFileHandler', 3], ['unit', 'plugins', 4], ['unit', 'pkg', 4],
    ]);
  });
});

describe('ruby: paths beside the file', () => {
  it('a glob or a name built from __dir__ or __FILE__ (ActiveSupport requires each of core_ext/*.rb)', () => {
    const refs = scan('ruby', [
      'Dir.glob(File.expand_path("core_ext/*.rb", __dir__)).sort.each { |p| require p }',
      'DATA = File.join(__dir__, "data")',
      'require File.expand_path("../config/environment", __FILE__)',
      'load File.expand_path("plugins/#{name}.rb", File.dirname(__FILE__))',
      'ROOT = File.expand_path("..", __dir__)',
    ].join('\n'));
    const digest = scan('ruby', ['def self.const_missing(name)', '  lib = File.join(\'digest\', name.to_s.downcase)', '  begin', '    require lib', '  end', 'end', 'other = "x/#{y}"', 'puts other'].join('\n'));
    expect(digest.filter((r) => r.how === 'require by a built name').map((r) => [r.name, r.line])).toEqual([['digest/', 4]]);
    const auto = scan('ruby', ['module NumberHelper', '  extend ActiveSupport::Autoload', '  eager_autoload do', '    autoload :NumberToHumanSizeConverter', '    autoload :XMLMini', '  end', '  autoload :Given, "x/given"', 'end'].join('\n'));
    expect(auto.filter((r) => r.how === 'autoload by name').map((r) => [r.name, r.line])).toEqual([
      ['${__DIR__}/number_to_human_size_converter.rb', 4], ['${__DIR__}/*/number_to_human_size_converter.rb', 4], ['${__DIR__}/xml_mini.rb', 5], ['${__DIR__}/*/xml_mini.rb', 5],
    ]);
    expect(refs.filter((r) => r.how === 'beside the file').map((r) => [r.name, r.line])).toEqual([
      ['${__DIR__}/core_ext/*.rb', 1], ['${__DIR__}/data', 2], ['${__DIR__}/config/environment', 3], ['${__DIR__}/plugins', 4],
    ]);
  });
});

describe('php: paths beside the file', () => {
  it('Composer\'s class map and PSR-4 dirs; a generated autoloader\'s map of files it requires from its own dir', () => {
    const composer = scan('php', [
      '<?php',
      'class ComposerStaticInit {',
      "  public static $prefixDirsPsr4 = array('App\\\\' => array(0 => __DIR__ . '/../..' . '/src'));",
      "  public static $classMap = array('Symfony\\\\Console\\\\Application' => __DIR__ . '/..' . '/symfony/console/Application.php');",
      '}',
      "require __DIR__ . '/platform_check.php';",
      "$tpl = __DIR__ . '/lang/' . $code . '.php';",
    ].join('\n'));
    expect(composer.filter((r) => r.how === 'beside the file').map((r) => [r.name, r.line])).toEqual([
      ['${__DIR__}/../../src', 3], ['${__DIR__}/../symfony/console/Application.php', 4], ['${__DIR__}/lang/', 7],
    ]);
    const phpab = scan('php', ['<?php', 'spl_autoload_register(function ($class) {', "  static $classes = array('twig\\\\environment' => '/Environment.php', 'twig\\\\token' => '/Token.php');", '  $cn = strtolower($class);', '  if (isset($classes[$cn])) { require __DIR__ . $classes[$cn]; }', '});'].join('\n'));
    expect(phpab.filter((r) => r.how === 'class map beside the file').map((r) => r.name)).toEqual(['${__DIR__}/Environment.php', '${__DIR__}/Token.php']);
  });
});

describe('python: gettext catalogs', () => {
  it('a domain\'s catalogs in every language under its locale dir, the interpreter\'s when none is given', () => {
    const refs = scan('python', [
      'import gettext',
      't = gettext.translation("webapp", localedir="/usr/share/locale", languages=[lang], fallback=True)',
      "gettext.bindtextdomain('tool', '/opt/tool/locale/')",
      'gettext.translation("plain")',
      'gettext.translation(domain, localedir=d)',
    ].join('\n'));
    expect(refs.filter((r) => r.how === 'gettext catalogs').map((r) => [r.name, r.line])).toEqual([
      ['/usr/share/locale/*/LC_MESSAGES/webapp.mo', 2], ['/opt/tool/locale/*/LC_MESSAGES/tool.mo', 3], ['/usr/share/locale/*/LC_MESSAGES/plain.mo', 4],
    ]);
  });
});

describe('python: data a package reads through the import system', () => {
  it('importlib.resources, pkgutil and pkg_resources by the package\'s name and a path in it', () => {
    const refs = scan('python', [
      'from importlib import resources',
      'def load_schema(name):',
      '    return json.loads(resources.files(__package__).joinpath(f"schemas/{name}.json").read_text())',
      'CA = files("certifi") / "cacert.pem"',
      'tpl = pkgutil.get_data(__name__, "templates/page.html")',
      'd = pkg_resources.resource_filename("myapp.assets", "icons")',
      'x = read_text("pkg", "../escape.txt")',
    ].join('\n'));
    expect(refs.filter((r) => r.how === 'package resource').map((r) => [r.name, r.line])).toEqual([
      ['.:schemas', 3], ['certifi:cacert.pem', 4], ['.:templates/page.html', 5], ['myapp.assets:icons', 6],
    ]);
  });
});

describe('shell: paths built from variables, sudo\'s options, su -c', () => {
  it('a path with a variable between literal parts is what the literal parts match; sudo -u USER CMD runs CMD; su … -c runs a command line', () => {
    const refs = scan('shell', [
      '#!/bin/sh',
      'if [ "$1" = "job" ]; then shift; exec sh /jobs/"$1".sh; fi',
      'cat /etc/app/${NAME}.conf',
      'exec /usr/bin/$PROG',
      'sudo -u app -E whoami',
      "su -s /bin/sh app -c 'id -un; touch /var/log/app/x'",
    ].join('\n'));
    expect(refs.filter((r) => r.how === 'glob of a built path').map((r) => [r.name, r.line])).toEqual([['/jobs/*.sh', 2], ['/etc/app/*.conf', 3]]);
    expect(refs.filter((r) => r.kind === 'command').map((r) => r.name)).toEqual(['shift', 'exec', 'sh', 'cat', 'exec', '/usr/bin/${PROG}', 'sudo', 'whoami', 'su', 'id', 'touch']);
  });
});

describe('registries of code (Python entry points)', () => {
  it('each entry point names its module, under its group; comments, extras and bad lines are skipped', () => {
    const refs = scanEntryPoints([
      '[console_scripts]', 'flask = flask.cli:main', '# a comment', '', '[ledger.formats]',
      'csv = ledgerfmt.csvfmt:render', 'table=ledgerfmt.tables:Table.render [fancy]', 'plain = ledgerfmt', 'broken = :nothing', 'no equals sign',
    ].join('\n'));
    expect(refs.map((r) => [r.name, r.line, r.how])).toEqual([
      ['flask.cli', 2, 'entry point [console_scripts] flask'], ['ledgerfmt.csvfmt', 6, 'entry point [ledger.formats] csv'],
      ['ledgerfmt.tables', 7, 'entry point [ledger.formats] table'], ['ledgerfmt', 8, 'entry point [ledger.formats] plain'],
    ]);
    expect(refs.every((r) => r.lang === 'python' && r.kind === 'import')).toBe(true);
  });
  it('only for a distribution\'s entry_points.txt', () => {
    expect(registryScanner('/usr/lib/python3/dist-packages/x-1.0.dist-info/entry_points.txt')).toBe(scanEntryPoints);
    expect(registryScanner('/usr/lib/python3/dist-packages/x.egg-info/entry_points.txt')).toBe(scanEntryPoints);
    expect(registryScanner('/app/entry_points.txt')).toBeUndefined();
  });
});

describe('argument vectors read as the command lines they are', () => {
  const mods = (refs: RawRef[]) => refs.filter((r) => r.kind === 'import' && /:/.test(r.how)).map((r) => r.name);
  it('python: sys.executable -m / -c, a shell -c script in list form', () => {
    const refs = scan('python', [
      'import subprocess, sys',
      'def f():',
      '    subprocess.run([sys.executable, "-m", "json.tool", "x"])',
      '    subprocess.check_output(["python3", "-c", "import uuid; print(uuid.uuid4())"])',
      '    subprocess.run(["sh", "-c", "gzip -d /tmp/x | sort"])',
      '    os.execv(sys.executable, [sys.executable, "-m", "http.server"])',
      '    subprocess.run([tool, "-m", "not.read"])',
    ].join('\n'));
    expect(mods(refs)).toEqual(['json.tool', 'uuid', 'http.server']);
    expect(names(refs, 'command')).toEqual(['python3', 'sh', 'gzip', 'sort']);
  });
  it('node, ruby, perl: the running interpreter and literal programs', () => {
    expect(mods(scan('node', 'spawn(process.execPath, ["-e", "require(\'zlib\')"]);\nexecFileSync("python3", ["-m", "calendar"]);'))).toEqual(['zlib', 'calendar']);
    expect(names(scan('node', 'execFileSync("sh", ["-c", "xz -d f"]);'), 'command')).toEqual(['sh', 'xz']);
    expect(mods(scan('ruby', 'system(RbConfig.ruby, "-rjson", "-e", "require \'set\'")'))).toEqual(['json', 'set']);
    expect(mods(scan('perl', 'system($^X, "-MJSON::PP", "-e", "use POSIX; 1");'))).toEqual(['JSON::PP', 'POSIX']);
  });
});

describe('shell: programs other programs run', () => {
  const cmds = (t: string) => scan('shell', t).filter((r) => r.kind === 'command').map((r) => `${r.name}${r.external ? ' (program)' : ''}`);
  it('find -exec and wrappers run programs, never builtins; `command` is the shell\'s own lookup', () => {
    expect(cmds("find /x -name '*.sh' -exec basename {} \\; | xargs echo\nenv A=1 printf y\ncommand echo z\nnice -n 5 kill -0 1")).toEqual([
      'find', 'basename (program)', 'xargs', 'echo (program)', 'env', 'printf (program)', 'command', 'echo', 'nice', 'kill (program)',
    ]);
  });
  it('a function whose body runs "$@" makes its first argument a command (a program when a wrapper runs it)', () => {
    const t = ['retry() { "$@" || "$@"; }', 'as_app() {', '  exec gosu app "$@"', '}', 'log() { echo "$@" >&2; }', 'retry bzip2 -d x', 'as_app printf hi', 'log gzip'].join('\n');
    expect(cmds(t).filter((c) => !c.startsWith('$@'))).toEqual(['exec', 'gosu (program)', 'echo', 'bzip2', 'printf (program)']);
  });
});

describe('globs and load paths', () => {
  const show = (refs: RawRef[]) => refs.map((r) => `${r.kind} ${r.name} (${r.how})`);
  it('an absolute glob pattern in a literal or a for list is a path; $LOAD_PATH additions are units', () => {
    expect(show(scan('ruby', [
      "$LOAD_PATH.unshift '/usr/lib/ledger'", "$: << File.expand_path('../lib', __dir__)", "$LOAD_PATH.unshift(File.join(__dir__, 'vendor'))",
      "$LOAD_PATH << some_dir", "Dir.glob('/usr/lib/ledger/plugins/*.rb').each { load _1 }",
    ].join('\n')))).toEqual([
      'unit /usr/lib/ledger (load path)', 'unit ${__DIR__}/../lib (load path)', 'unit ${__DIR__}/vendor (load path)',
      'path /usr/lib/ledger (literal)', 'path /usr/lib/ledger/plugins/*.rb (glob)',
    ]);
    expect(show(scan('shell', 'for f in /etc/app/conf.d/*.conf /opt/x; do . "$f"; done'))).toEqual([
      'path /etc/app/conf.d/*.conf (glob)', 'path /opt/x (named)', 'source ${f} (source)',
    ]);
    expect(show(scan('python', 'import glob\nfor f in glob.glob("/srv/app/hooks/[0-9]*.py"): pass'))).toContain('path /srv/app/hooks/[0-9]*.py (glob)');
  });
});

describe('python: a package\'s own module table, data beside the module', () => {
  it('dotted lowercase strings are module names of the naming package; paths joined to the module\'s dir are units beside it', () => {
    const refs = scan('python', [
      'import os', 'from pathlib import Path',
      "LEXERS = {'PythonLexer': ('pygments.lexers.python', 'Python')}",
      "_dirname = os.path.join(os.path.dirname(__file__), 'locale-data')",
      'def g():', '    here = os.path.dirname(os.path.abspath(__file__))', "    return os.path.join(here, 'global.dat')",
      "T = Path(__file__).resolve().parent / 'templates' / 'x.html'", "U = os.path.join(os.path.dirname(__file__), name)", "V = os.path.join(os.path.dirname(__file__), '..', 'etc')",
      "W = 'Not.A.Module'",
    ].join('\n'));
    // 'global.dat' and 'x.html' look like module names too: the resolver finds no such module
    expect(refs.filter((r) => r.ifPresent).map((r) => r.name)).toEqual(['pygments.lexers.python', 'global.dat', 'x.html', 'Not.A.Module']);
    expect(refs.filter((r) => r.how === 'beside the module').map((r) => [r.kind, r.name, r.line])).toEqual([
      ['unit', '${__DIR__}/locale-data', 4], ['unit', '${__DIR__}/templates/x.html', 8], ['unit', '${__DIR__}/global.dat', 7],
    ]);
  });
});
