// The references phase of select, without Docker: what kept code refers to is resolved in the
// image by each language's rules, the app directory and on-demand data sets are kept whole,
// each with its reason; nothing the run did not load is followed past what loading it needs.
import { describe, expect, it } from 'vitest';
import { select, explain, formatReason } from '../../src/select/index.js';
import type { FileFacts, SelectOptions, Selection, TraceLike } from '../../src/select/index.js';
import type { ImageConfig } from '../../src/image/types.js';
import type { ElfInfo } from '../../src/elf/index.js';
import { indexView, parseShebang } from '../../src/elf/index.js';
import { refsOf } from '../../src/refs/index.js';
import { referencesReport } from '../../src/slim/keep.js';
import { memIndex, memRead, type Spec } from './memindex.js';

const X = 0o755;
const ev = (path: string, intent = 'r', result = '0'): TraceLike => ({ syscall: 'openat', intent, result, path });
const elfInfo = (needed: string[] = [], o: Partial<ElfInfo> = {}): ElfInfo => ({
  class: 64, endian: 'le', machine: 62, type: 'dyn', needed, nodeflib: false, static: false, ...o,
});
const LIBDIR = '/usr/lib/x86_64-linux-gnu';
const base: Spec[] = [
  { path: '/bin', link: 'usr/bin' },
  { path: '/lib64/ld-linux-x86-64.so.2', mode: X },
  { path: `${LIBDIR}/libc.so.6`, mode: X },
  { path: '/usr/bin/sh', mode: X },
  '/etc/passwd', '/etc/group', '/etc/nsswitch.conf', '/etc/services', '/etc/protocols',
];
const baseElf: Record<string, ElfInfo> = {
  '/lib64/ld-linux-x86-64.so.2': elfInfo(),
  [`${LIBDIR}/libc.so.6`]: elfInfo(['ld-linux-x86-64.so.2']),
  '/usr/bin/sh': elfInfo(['libc.so.6'], { interpreter: '/lib64/ld-linux-x86-64.so.2' }),
};

function run(specs: Spec[], trace: TraceLike[], o: { elf?: Record<string, ElfInfo>; config?: ImageConfig['config']; options?: SelectOptions } = {}): Selection {
  const index = memIndex([...base, ...specs]);
  const read = memRead(index);
  const view = indexView(index, read);
  const elf = { ...baseElf, ...o.elf };
  const facts = (p: string): FileFacts | undefined => {
    if (elf[p]) return { elf: elf[p] };
    const e = index.get(p);
    if (!e || e.type !== 'file') return undefined;
    const sb = parseShebang(read(e, 0, 256));
    return sb ? { shebang: sb } : {};
  };
  return select({
    index, trace, facts, read,
    refs: (p, hints) => (elf[p] ? undefined : refsOf(view, p, index.get(p)!.size, { ...hints, shebang: facts(p)?.shebang })),
    config: { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: { Env: ['PATH=/usr/local/bin:/usr/bin:/bin'], ...o.config } },
    options: o.options,
  });
}
const reasons = (s: Selection, p: string) => (s.keep.get(p)?.reasons ?? []).map(formatReason);

describe('python', () => {
  const py = '/usr/lib/python3.11';
  const specs: Spec[] = [
    { path: '/usr/bin/python3.11', mode: X },
    { path: '/srv/app/main.py', content: 'import os\n\ndef report(req):\n    import decimal\n    from .helpers import fmt\n    return 1\n' },
    { path: '/srv/app/__init__.py', content: '' },
    { path: '/srv/app/helpers.py', content: 'import json\n' },
    { path: `${py}/os.py`, content: 'import abc\n\ndef popen(cmd):\n    import subprocess\n' },
    { path: `${py}/abc.py`, content: '' },
    { path: `${py}/subprocess.py`, content: '' },
    { path: `${py}/json/__init__.py`, content: 'from .decoder import JSONDecoder\n' },
    { path: `${py}/json/decoder.py`, content: '' },
    { path: `${py}/decimal.py`, content: 'try:\n    from _decimal import *\nexcept ImportError:\n    from _pydecimal import *\n\ndef later():\n    import never_needed_eagerly\n' },
    { path: `${py}/__pycache__/decimal.cpython-311.pyc`, content: '' },
    { path: `${py}/_pydecimal.py`, content: '' },
    { path: `${py}/never_needed_eagerly.py`, content: '' },
    { path: `${py}/lib-dynload/_decimal.cpython-311-x86_64-linux-gnu.so`, mode: X },
    { path: `${LIBDIR}/libmpdec.so.3`, mode: X },
    { path: `${py}/unused.py`, content: '' },
  ];
  const s = run(specs, [ev('/usr/bin/python3.11', 'x'), ev('/srv/app/main.py'), ev(`${py}/os.py`)], {
    elf: {
      '/usr/bin/python3.11': elfInfo(['libc.so.6'], { interpreter: '/lib64/ld-linux-x86-64.so.2' }),
      [`${py}/lib-dynload/_decimal.cpython-311-x86_64-linux-gnu.so`]: elfInfo(['libmpdec.so.3', 'libc.so.6']),
      [`${LIBDIR}/libmpdec.so.3`]: elfInfo(['libc.so.6']),
    },
  });
  it('a lazy import in a handler brings the module, its bytecode, its C extension and that one\'s libraries', () => {
    expect(reasons(s, `${py}/decimal.py`)).toEqual(['imported by /srv/app/main.py:4 (import decimal)']);
    expect(s.keep.has(`${py}/__pycache__/decimal.cpython-311.pyc`)).toBe(true);
    expect(reasons(s, `${py}/lib-dynload/_decimal.cpython-311-x86_64-linux-gnu.so`)[0]).toMatch(/imported by .*decimal\.py:2/);
    expect(s.keep.get(`${LIBDIR}/libmpdec.so.3`)?.byReference).toBe(true);
    expect(explain(s.keep, `${LIBDIR}/libmpdec.so.3`).join('\n')).toMatch(/decimal\.py: imported by \/srv\/app\/main\.py:4/);
  });
  it('relative imports, packages and their __init__; library code is read like the app\'s, lazy imports included', () => {
    expect(s.keep.has('/srv/app/helpers.py')).toBe(true);
    expect(s.keep.has(`${py}/json/__init__.py`) && s.keep.has(`${py}/json/decoder.py`)).toBe(true);
    // a fallback at load time: kept, since the C extension it falls back from imports modules
    // from C that no scanner sees (the fallback names them)
    expect(s.keep.has(`${py}/_pydecimal.py`)).toBe(true);
    // any function of a kept module may run later: what it imports inside is kept
    expect(reasons(s, `${py}/never_needed_eagerly.py`)).toEqual([`imported by ${py}/decimal.py:7 (import never_needed_eagerly)`]);
    expect(s.keep.has(`${py}/unused.py`)).toBe(false); // nothing names it
    // a standard-library module the run loaded is read too: its lazy import of subprocess
    expect(s.keep.has(`${py}/abc.py`)).toBe(true);
    expect(reasons(s, `${py}/subprocess.py`)).toEqual([`imported by ${py}/os.py:4 (import subprocess)`]);
    expect(s.keep.get('/srv/app/main.py')?.byReference).toBeUndefined();
  });
  it('--no-references keeps only the run and its static closure', () => {
    const off = run(specs, [ev('/usr/bin/python3.11', 'x'), ev('/srv/app/main.py')], { options: { references: false } });
    expect(off.keep.has(`${py}/decimal.py`)).toBe(false);
  });
});

describe('node, ruby, perl, php', () => {
  it('node: a require in a handler, node_modules packages with main and exports, built-ins need nothing', () => {
    const s = run([
      { path: '/usr/bin/node', mode: X },
      { path: '/opt/svc/index.js', content: "const fs = require('node:fs');\napp.get('/x', () => { const r = require('./lib/report'); const p = require('pkg-a'); const q = require('pkg-b/sub'); });\n" },
      { path: '/opt/svc/lib/report.js', content: "module.exports = require('../util.json');" },
      { path: '/opt/svc/util.json', content: '{}' },
      { path: '/opt/svc/node_modules/pkg-a/package.json', content: '{"main": "dist/main"}' },
      { path: '/opt/svc/node_modules/pkg-a/dist/main.js', content: '' },
      { path: '/opt/svc/node_modules/pkg-a/README.md', content: '' },
      { path: '/usr/share/nodejs/pkg-b/package.json', content: '{"exports": {".": "./index.js", "./sub": {"import": "./sub.mjs", "require": "./sub.cjs"}}}' },
      { path: '/usr/share/nodejs/pkg-b/sub.mjs', content: '' },
      { path: '/usr/share/nodejs/pkg-b/sub.cjs', content: '' },
    ], [ev('/opt/svc/index.js')]);
    expect(reasons(s, '/opt/svc/lib/report.js')).toEqual(["imported by /opt/svc/index.js:2 (require ./lib/report)"]);
    expect(s.keep.has('/opt/svc/util.json')).toBe(true);
    expect(s.keep.has('/opt/svc/node_modules/pkg-a/dist/main.js')).toBe(true);
    expect(s.keep.has('/opt/svc/node_modules/pkg-a/README.md')).toBe(false);
    expect(s.keep.has('/usr/share/nodejs/pkg-b/sub.mjs') && s.keep.has('/usr/share/nodejs/pkg-b/sub.cjs')).toBe(true);
    expect(s.unresolved.filter((u) => u.name.includes('fs'))).toEqual([]);
  });
  it('node: a package the app names in a string (express\'s view engine) is required by that name; a package\'s own strings are not followed', () => {
    const s = run([
      { path: '/opt/svc/index.js', content: "const express = require('express');\napp.set('view engine', 'ejs');\nconst enc = 'utf8';\n" },
      { path: '/opt/svc/node_modules/express/package.json', content: '{"main": "index.js"}' },
      { path: '/opt/svc/node_modules/express/index.js', content: "var def = 'pug';\n" },
      { path: '/opt/svc/node_modules/ejs/package.json', content: '{"main": "lib/ejs.js"}' },
      { path: '/opt/svc/node_modules/ejs/lib/ejs.js', content: '' },
      { path: '/opt/svc/node_modules/pug/package.json', content: '{"main": "index.js"}' },
      { path: '/opt/svc/node_modules/pug/index.js', content: '' },
    ], [ev('/opt/svc/index.js'), ev('/opt/svc/node_modules/express/index.js')]);
    expect(reasons(s, '/opt/svc/node_modules/ejs/lib/ejs.js')).toEqual(['imported by /opt/svc/index.js:2 (package named in a string ejs)']);
    expect(s.keep.has('/opt/svc/node_modules/pug/index.js')).toBe(false);
    expect(s.unresolved.filter((u) => u.name === 'utf8')).toEqual([]);
  });
  it('node: each file a require reaches brings the package.json nearest above it (its "type" says CommonJS or ES module)', () => {
    const fl = '/usr/share/nodejs/flatted';
    const s = run([
      { path: '/opt/svc/index.js', content: "app.get('/log', () => require('flatted'));\n" },
      { path: `${fl}/package.json`, content: '{"type": "module", "exports": {".": {"import": "./esm/index.js", "require": "./cjs/index.js"}}}' },
      { path: `${fl}/cjs/package.json`, content: '{"type": "commonjs"}' },
      { path: `${fl}/cjs/index.js`, content: '' },
      { path: `${fl}/esm/index.js`, content: '' },
      { path: `${fl}/esm/more/deep.js`, content: '' },
    ], [ev('/opt/svc/index.js')]);
    expect(s.keep.has(`${fl}/cjs/index.js`)).toBe(true);
    expect(reasons(s, `${fl}/cjs/package.json`)).toEqual(['imported by /opt/svc/index.js:1 (require flatted)']);
    expect(s.keep.has(`${fl}/package.json`)).toBe(true); // the scope of esm/index.js
  });
  it('ruby: a feature named in a string (tilt\'s lazy template table), a gem whose load path is not lib (its gemspec\'s require_paths)', () => {
    const gems = '/usr/share/rubygems-integration/all';
    const s = run([
      { path: '/usr/lib/ruby/vendor_ruby/tilt.rb', content: "register_lazy :ERBTemplate, 'tilt/erb', 'erb', 'rhtml'\nregister_lazy :Nope, 'tilt/nope', 'x'\n" },
      { path: '/usr/lib/ruby/vendor_ruby/tilt/erb.rb', content: '' },
      { path: '/srv/r/app.rb', content: "require 'tilt'\nrequire 'concurrent/map'\n" },
      { path: `${gems}/specifications/concurrent-ruby-1.1.6.gemspec`, content: 'Gem::Specification.new do |s|\n  s.require_paths = ["lib/concurrent-ruby".freeze]\nend\n' },
      { path: `${gems}/gems/concurrent-ruby-1.1.6/lib/concurrent-ruby/concurrent/map.rb`, content: '' },
    ], [ev('/srv/r/app.rb'), ev('/usr/lib/ruby/vendor_ruby/tilt.rb')]);
    expect(reasons(s, '/usr/lib/ruby/vendor_ruby/tilt/erb.rb')).toEqual(['imported by /usr/lib/ruby/vendor_ruby/tilt.rb:1 (feature named in a string tilt/erb)']);
    expect(s.unresolved.filter((u) => u.name === 'tilt/nope')).toEqual([]); // a string no file answers to is only a string
    expect(reasons(s, `${gems}/gems/concurrent-ruby-1.1.6/lib/concurrent-ruby/concurrent/map.rb`)).toEqual(['imported by /srv/r/app.rb:2 (require concurrent/map)']);
  });
  it('ruby: require of a C extension in the arch dir; perl: a module with its XS library; php: include relative to __DIR__', () => {
    const s = run([
      { path: '/srv/r/app.rb', content: "def route\n  require 'bigdecimal'\nend\n" },
      { path: '/usr/lib/ruby/3.1.0/json.rb', content: '' },
      { path: '/usr/lib/ruby/3.1.0/digest.rb', content: "def Digest.const_missing(name)\n  require 'digest/sha2'\nend\n" },
      { path: `${LIBDIR}/ruby/3.1.0/digest/sha2.so`, mode: X },
      { path: `${LIBDIR}/ruby/3.1.0/bigdecimal.so`, mode: X },
      { path: '/srv/p/tool.pl', content: 'use POSIX qw(floor);\nrequire Text::Wrap;\n' },
      { path: `${LIBDIR}/perl/5.36/POSIX.pm`, content: '' },
      { path: `${LIBDIR}/perl/5.36/auto/POSIX/POSIX.so`, mode: X },
      { path: '/usr/share/perl/5.36/Text/Wrap.pm', content: '' },
      { path: '/var/www/site/index.php', content: "<?php require_once __DIR__ . '/lib/db.php'; ?>" },
      { path: '/var/www/site/lib/db.php', content: '<?php ?>' },
    ], [ev('/srv/r/app.rb'), ev('/usr/lib/ruby/3.1.0/digest.rb'), ev('/srv/p/tool.pl'), ev('/var/www/site/index.php')], {
      elf: { [`${LIBDIR}/ruby/3.1.0/bigdecimal.so`]: elfInfo(['libc.so.6']), [`${LIBDIR}/ruby/3.1.0/digest/sha2.so`]: elfInfo(['libc.so.6']), [`${LIBDIR}/perl/5.36/auto/POSIX/POSIX.so`]: elfInfo(['libc.so.6']) },
    });
    expect(reasons(s, `${LIBDIR}/ruby/3.1.0/bigdecimal.so`)).toEqual(['imported by /srv/r/app.rb:2 (require bigdecimal)']);
    // a Ruby library the run loaded is read: its requires inside methods load later
    expect(reasons(s, `${LIBDIR}/ruby/3.1.0/digest/sha2.so`)).toEqual(['imported by /usr/lib/ruby/3.1.0/digest.rb:2 (require digest/sha2)']);
    expect(s.keep.has(`${LIBDIR}/perl/5.36/auto/POSIX/POSIX.so`)).toBe(true);
    expect(s.keep.has('/usr/share/perl/5.36/Text/Wrap.pm')).toBe(true);
    expect(reasons(s, '/var/www/site/lib/db.php')[0]).toMatch(/imported by \/var\/www\/site\/index\.php:1/);
  });
});

describe('shell entrypoints', () => {
  const script = [
    '#!/bin/sh',
    '. "$(dirname "$0")/lib.sh"',
    'case "$1" in',
    '  serve) exec /usr/bin/server ;;',
    '  migrate) psql -f /srv/sql/schema.sql ;;',
    '  backup) tar czf - "$DATA_DIR" | gzip ;;',
    'esac',
  ].join('\n');
  const specs: Spec[] = [
    { path: '/usr/local/bin/entry.sh', mode: X, content: script },
    { path: '/usr/local/bin/lib.sh', content: 'log() { logger "$@"; }' },
    { path: '/usr/bin/server', mode: X }, { path: '/usr/bin/psql', mode: X }, { path: '/usr/bin/tar', mode: X },
    { path: '/usr/bin/gzip', mode: X }, { path: '/usr/bin/logger', mode: X },
    { path: '/srv/sql/schema.sql', content: 'create table t();' },
    { path: '/srv/data/seed.csv', content: 'a,b' },
  ];
  it('every branch\'s commands, sourced files, named paths and the environment\'s paths', () => {
    const s = run(specs, [ev('/usr/local/bin/entry.sh', 'x'), ev('/usr/bin/server', 'x')], {
      config: { Entrypoint: ['/usr/local/bin/entry.sh'], Cmd: ['serve'], Env: ['PATH=/usr/bin:/bin', 'DATA_DIR=/srv/data'] },
    });
    expect(reasons(s, '/usr/bin/psql')).toEqual(['command in /usr/local/bin/entry.sh:5 (command psql)']);
    expect(s.keep.has('/usr/bin/tar') && s.keep.has('/usr/bin/gzip')).toBe(true);
    expect(reasons(s, '/usr/local/bin/lib.sh')[0]).toMatch(/sourced by \/usr\/local\/bin\/entry\.sh:2/);
    expect(s.keep.has('/usr/bin/logger')).toBe(true); // a command of the sourced file
    expect(s.keep.has('/srv/sql/schema.sql')).toBe(true);
    expect(s.keep.has('/srv/data/seed.csv')).toBe(true); // $DATA_DIR from the image's Env, a small specific dir
  });
});

describe('data sets and the app directory', () => {
  const tz: Spec[] = ['/usr/share/zoneinfo/UTC', '/usr/share/zoneinfo/Asia/Tokyo', '/usr/share/zoneinfo/America/Lima'];
  it('time zones: all of them once the run reads one', () => {
    const s = run(tz, [ev('/usr/share/zoneinfo/UTC')]);
    expect(reasons(s, '/usr/share/zoneinfo/Asia/Tokyo')).toEqual(['time zone database for /usr/share/zoneinfo/UTC']);
    expect(s.dataSets.map((d) => d.set)).toContain('tz');
    expect(run(tz, []).keep.has('/usr/share/zoneinfo/Asia/Tokyo')).toBe(false);
  });
  it('time zones for a program that calls localtime (docker run -e TZ=... makes it read one), not for one that does not', () => {
    const specs: Spec[] = [...tz, { path: '/usr/sbin/server', mode: X }];
    const withCall = run(specs, [ev('/usr/sbin/server', 'x')], { elf: { '/usr/sbin/server': elfInfo(['libc.so.6'], { interpreter: '/lib64/ld-linux-x86-64.so.2', symbols: ['localtime_r'] }) } });
    expect(reasons(withCall, '/usr/share/zoneinfo/America/Lima')).toEqual(['time zone database for /usr/sbin/server']);
    const without = run(specs, [ev('/usr/sbin/server', 'x')], { elf: { '/usr/sbin/server': elfInfo(['libc.so.6'], { interpreter: '/lib64/ld-linux-x86-64.so.2' }) } });
    expect(without.keep.has('/usr/share/zoneinfo/America/Lima')).toBe(false);
  });
  it('CA store for a kept TLS library; gconv for a program that imports iconv_open; locale named by LANG', () => {
    const s = run([
      { path: '/usr/bin/fetch', mode: X }, { path: `${LIBDIR}/libssl.so.3`, mode: X },
      { path: '/usr/bin/conv', mode: X },
      '/etc/ssl/certs/ca-certificates.crt', '/usr/share/ca-certificates/mozilla/A.crt', '/usr/lib/ssl/misc/tsget.pl',
      `${LIBDIR}/gconv/IBM037.so`, `${LIBDIR}/gconv/gconv-modules`,
      '/usr/lib/locale/C.utf8/LC_CTYPE', '/usr/lib/locale/de_DE.utf8/LC_TIME',
    ], [ev('/usr/bin/fetch', 'x'), ev('/usr/bin/conv', 'x')], {
      elf: {
        '/usr/bin/fetch': elfInfo(['libssl.so.3', 'libc.so.6'], { interpreter: '/lib64/ld-linux-x86-64.so.2' }),
        [`${LIBDIR}/libssl.so.3`]: elfInfo(['libc.so.6']),
        '/usr/bin/conv': elfInfo(['libc.so.6'], { interpreter: '/lib64/ld-linux-x86-64.so.2', symbols: ['iconv_open'] }),
      },
      config: { Env: ['PATH=/usr/bin', 'LANG=C.UTF-8'] },
    });
    expect(reasons(s, '/etc/ssl/certs/ca-certificates.crt')[0]).toBe(`CA certificates and TLS configuration for ${LIBDIR}/libssl.so.3`);
    expect(s.keep.has('/usr/share/ca-certificates/mozilla/A.crt')).toBe(true);
    expect(s.keep.has('/usr/lib/ssl/misc/tsget.pl')).toBe(false);
    expect(reasons(s, `${LIBDIR}/gconv/IBM037.so`)[0]).toBe('iconv charset modules (gconv) for /usr/bin/conv');
    expect(s.keep.has('/usr/lib/locale/C.utf8/LC_CTYPE')).toBe(true);
    expect(s.keep.has('/usr/lib/locale/de_DE.utf8/LC_TIME')).toBe(false);
    expect(s.keep.has('/etc/services')).toBe(true); // libc's on-demand network databases
  });
  it('a JVM: its lib/ and conf/ when libjvm.so is kept', () => {
    const home = '/usr/lib/jvm/java-17-openjdk-amd64';
    const s = run([
      { path: `${home}/bin/java`, mode: X }, { path: `${home}/lib/server/libjvm.so`, mode: X },
      `${home}/lib/tzdb.dat`, `${home}/lib/security/default.policy`, { path: `${home}/lib/libzip.so`, mode: X }, `${home}/conf/security/java.security`,
      `${home}/man/man1/java.1`,
    ], [ev(`${home}/bin/java`, 'x'), ev(`${home}/lib/server/libjvm.so`)]);
    expect(s.keep.has(`${home}/lib/tzdb.dat`) && s.keep.has(`${home}/lib/libzip.so`) && s.keep.has(`${home}/conf/security/java.security`)).toBe(true);
    expect(s.keep.has(`${home}/man/man1/java.1`)).toBe(false);
  });
  it('codecs and loadable modules looked up by a computed name: Python encodings and sysconfig data, Ruby enc/, Perl Encode, PostgreSQL lib/', () => {
    const py = '/usr/lib/python3.11';
    const rb = `${LIBDIR}/ruby/3.1.0`;
    const pl = `${LIBDIR}/perl/5.36`;
    const s = run([
      { path: `${py}/encodings/__init__.py`, content: '' }, `${py}/encodings/cp500.py`,
      { path: `${py}/encodings/rot_13.py`, mode: X, content: '#!/usr/bin/env python3\n' }, { path: '/usr/bin/env', mode: X }, { path: `${py}/lib-dynload/_codecs_jp.cpython-311-x86_64-linux-gnu.so`, mode: X },
      { path: `${py}/lib-dynload/_json.cpython-311-x86_64-linux-gnu.so`, mode: X },
      { path: `${py}/sysconfig.py`, content: '' }, `${py}/_sysconfigdata__x86_64-linux-gnu.py`,
      { path: `${rb}/enc/encdb.so`, mode: X }, { path: `${rb}/enc/trans/japanese_sjis.so`, mode: X },
      { path: `${pl}/Encode.pm`, content: '' }, `${pl}/Encode/JP.pm`, { path: `${pl}/auto/Encode/JP/JP.so`, mode: X },
      { path: '/usr/lib/postgresql/15/bin/postgres', mode: X }, { path: '/usr/lib/postgresql/15/lib/utf8_and_iso8859_1.so', mode: X },
      '/usr/share/postgresql/15/timezonesets/Default',
    ], [ev(`${py}/encodings/__init__.py`), ev(`${py}/sysconfig.py`), ev(`${rb}/enc/encdb.so`), ev(`${pl}/Encode.pm`), ev('/usr/lib/postgresql/15/bin/postgres', 'x')], {
      elf: Object.fromEntries([`${py}/lib-dynload/_codecs_jp.cpython-311-x86_64-linux-gnu.so`, `${rb}/enc/encdb.so`, `${rb}/enc/trans/japanese_sjis.so`,
        `${pl}/auto/Encode/JP/JP.so`, '/usr/lib/postgresql/15/bin/postgres', '/usr/lib/postgresql/15/lib/utf8_and_iso8859_1.so'].map((p) => [p, elfInfo(['libc.so.6'])])),
    });
    for (const p of [`${py}/encodings/cp500.py`, `${py}/lib-dynload/_codecs_jp.cpython-311-x86_64-linux-gnu.so`, `${py}/_sysconfigdata__x86_64-linux-gnu.py`,
      `${rb}/enc/trans/japanese_sjis.so`, `${pl}/Encode/JP.pm`, `${pl}/auto/Encode/JP/JP.so`,
      '/usr/lib/postgresql/15/lib/utf8_and_iso8859_1.so', '/usr/share/postgresql/15/timezonesets/Default']) expect(s.keep.has(p), p).toBe(true);
    expect(s.keep.has(`${py}/lib-dynload/_json.cpython-311-x86_64-linux-gnu.so`)).toBe(false); // an ordinary module: by import only
    expect(s.keep.has(`${py}/encodings/rot_13.py`) && !s.keep.has('/usr/bin/env')).toBe(true); // a data set's "#!" is not followed
    expect(s.dataSets.map((d) => d.set).sort()).toEqual(['netdb', 'perl-encode', 'postgresql', 'python-encodings', 'python-sysconfig', 'ruby-encodings']);
  });
  it('a zone named in the app\'s code, or TZ in the environment, keeps the zone database; /etc/localtime alone does not', () => {
    const tz: Spec[] = ['/usr/share/zoneinfo/Etc/UTC', '/usr/share/zoneinfo/America/Lima', '/usr/share/zoneinfo/Asia/Tokyo', { path: '/etc/localtime', link: '/usr/share/zoneinfo/Etc/UTC' }];
    const named = run([...tz, { path: '/srv/a/app.rb', content: "ENV['TZ'] = 'America/Lima'\n" }], [ev('/srv/a/app.rb'), ev('/etc/localtime')]);
    expect(reasons(named, '/usr/share/zoneinfo/America/Lima')).toContain('path named in /srv/a/app.rb:1 (time zone /usr/share/zoneinfo/America/Lima)');
    expect(named.keep.has('/usr/share/zoneinfo/Asia/Tokyo')).toBe(true);
    expect(run(tz, [], { config: { Env: ['TZ=Asia/Tokyo'] } }).keep.has('/usr/share/zoneinfo/America/Lima')).toBe(true);
    const local = run(tz, [ev('/etc/localtime')]);
    expect(local.keep.has('/usr/share/zoneinfo/Etc/UTC')).toBe(true);
    expect(local.keep.has('/usr/share/zoneinfo/Asia/Tokyo')).toBe(false);
  });
  it('WORKDIR is the app: kept whole but for node_modules; unresolved references are listed, never fatal', () => {
    const s = run([
      { path: '/app/server.py', content: 'import flask_missing\n' }, '/app/templates/other.html', '/app/node_modules/x/index.js',
    ], [ev('/app/server.py')], { config: { WorkingDir: '/app' } });
    expect(reasons(s, '/app/templates/other.html')).toEqual(['app directory /app']);
    expect(s.keep.has('/app/node_modules/x/index.js')).toBe(false);
    expect(s.unresolved).toEqual([expect.objectContaining({ from: '/app/server.py', line: 1, name: 'flask_missing' })]);
  });
});

describe('one policy: every kept file of code, every mechanism, each with the file and line that named it', () => {
  const py = '/usr/lib/python3.11';
  const x = (path: string, pid: number, syscall = 'execve'): TraceLike => ({ syscall, intent: 'x', result: '0', path, pid });
  const r = (path: string, pid: number): TraceLike => ({ syscall: 'openat', intent: 'r', result: '0', path, pid });

  it('language by the interpreter that opened the file in the run: an app file with its own extension is node code', () => {
    const specs: Spec[] = [
      { path: '/usr/bin/node', mode: X },
      { path: '/srv/web/server.js', content: "const h = require('./handlers.route');\n" },
      // (nothing in its lines says JavaScript to a reader that does not know: only the run does)
      { path: '/srv/web/handlers.route', content: "exports.when = async (d) => {\n  const ms = await import('ms');\n  return ms.default(d);\n};\n" },
      { path: '/usr/share/nodejs/ms/package.json', content: '{"main":"index.js"}' },
      { path: '/usr/share/nodejs/ms/index.js', content: '' },
    ];
    const elf = { '/usr/bin/node': elfInfo(['libc.so.6'], { interpreter: '/lib64/ld-linux-x86-64.so.2' }) };
    const withPid = run(specs, [x('/usr/bin/node', 7), r('/srv/web/server.js', 7), r('/srv/web/handlers.route', 7)], { elf });
    expect(reasons(withPid, '/usr/share/nodejs/ms/index.js')).toEqual(['imported by /srv/web/handlers.route:2 (import() ms)']);
    // another program (not an interpreter) opening it: no language, nothing followed
    const byCat = run(specs, [x('/usr/bin/node', 7), r('/srv/web/server.js', 7), x('/usr/bin/sh', 8), r('/srv/web/handlers.route', 9)], { elf });
    expect(byCat.keep.has('/usr/share/nodejs/ms/index.js')).toBe(false);
  });

  it('libraries by name: ctypes find_library keeps the library with its closure, ldconfig and the loader cache; library code is read too', () => {
    const s = run([
      { path: '/usr/bin/python3.11', mode: X },
      { path: '/srv/app/main.py', content: 'import ctypes.util\n\ndef version():\n    lib = ctypes.CDLL(ctypes.util.find_library("bz2"))\n    return lib.BZ2_bzlibVersion()\n' },
      { path: `${py}/ctypes/__init__.py`, content: '' },
      { path: `${py}/ctypes/util.py`, content: 'import os\n\ndef _findSoname_ldconfig(name):\n    import subprocess\n    p = subprocess.Popen(["/sbin/ldconfig", "-p"])\n' },
      { path: `${py}/os.py`, content: '' }, { path: `${py}/subprocess.py`, content: '' },
      { path: `${LIBDIR}/libbz2.so.1.0`, link: 'libbz2.so.1.0.4' }, { path: `${LIBDIR}/libbz2.so.1.0.4`, mode: X },
      { path: `${LIBDIR}/libbzdep.so.2`, mode: X }, { path: `${LIBDIR}/libbz3.so.0`, mode: X },
      { path: '/sbin/ldconfig', mode: X }, '/etc/ld.so.cache',
    ], [ev('/usr/bin/python3.11', 'x'), ev('/srv/app/main.py'), ev(`${py}/ctypes/__init__.py`), ev(`${py}/ctypes/util.py`)], {
      elf: {
        '/usr/bin/python3.11': elfInfo(['libc.so.6'], { interpreter: '/lib64/ld-linux-x86-64.so.2' }),
        [`${LIBDIR}/libbz2.so.1.0.4`]: elfInfo(['libbzdep.so.2', 'libc.so.6']), [`${LIBDIR}/libbzdep.so.2`]: elfInfo(['libc.so.6']),
        '/sbin/ldconfig': elfInfo([], { static: true }),
      },
      options: { ldLibraryDirs: [LIBDIR] },
    });
    expect(reasons(s, `${LIBDIR}/libbz2.so.1.0.4`)[0]).toBe('library loaded by name in /srv/app/main.py:4 (find_library bz2)');
    expect(s.keep.has(`${LIBDIR}/libbz2.so.1.0`) && s.keep.has(`${LIBDIR}/libbzdep.so.2`)).toBe(true);
    expect(s.keep.has(`${LIBDIR}/libbz3.so.0`)).toBe(false); // exactly the name asked for
    expect(reasons(s, '/sbin/ldconfig')).toContain('library loaded by name in /srv/app/main.py:4 (find_library bz2)');
    expect(reasons(s, '/sbin/ldconfig')).toContain(`command in ${py}/ctypes/util.py:5 (subprocess /sbin/ldconfig)`);
    expect(s.keep.has('/etc/ld.so.cache')).toBe(true);
    expect(reasons(s, `${py}/subprocess.py`)).toEqual([`imported by ${py}/ctypes/util.py:4 (import subprocess)`]);
  });

  it('path literals: a shell redirect target, a data directory named in library code whole, a directory of code only as itself', () => {
    const s = run([
      { path: '/entry.sh', mode: X, content: '#!/usr/bin/sh\nsqlite3 /var/db/x.db < /srv/seed/schema.sql\n' },
      '/srv/seed/schema.sql', '/srv/seed/other.sql',
      { path: '/usr/bin/python3.11', mode: X },
      { path: '/srv/app/main.py', content: 'import helper\n' },
      { path: '/srv/app/helper.py', content: 'TABLES = "/usr/share/app-tables"\nSEARCH = "/usr/lib/python3/dist-packages"\n' },
      '/usr/share/app-tables/a.tbl', '/usr/share/app-tables/b.tbl',
      { path: '/usr/lib/python3/dist-packages/big/__init__.py', content: '' },
    ], [ev('/entry.sh', 'x'), ev('/usr/bin/python3.11', 'x'), ev('/srv/app/main.py'), ev('/srv/app/helper.py')], {
      elf: { '/usr/bin/python3.11': elfInfo(['libc.so.6'], { interpreter: '/lib64/ld-linux-x86-64.so.2' }) },
    });
    expect(reasons(s, '/srv/seed/schema.sql')).toEqual(['path named in /entry.sh:2 (redirect < /srv/seed/schema.sql)']);
    expect(s.keep.has('/srv/seed/other.sql')).toBe(false);
    expect(reasons(s, '/usr/share/app-tables/b.tbl')).toEqual(['path named in /srv/app/helper.py:1 (literal /usr/share/app-tables)']);
    expect(s.keep.has('/usr/lib/python3/dist-packages')).toBe(true);
    expect(s.keep.has('/usr/lib/python3/dist-packages/big/__init__.py')).toBe(false);
    // a hierarchy every package adds to is never "the data" of one script
    const loc = run([{ path: '/usr/bin/gettext.sh', mode: X, content: '#!/usr/bin/sh\nTEXTDOMAINDIR=/usr/share/locale\n' }, '/usr/share/locale/de/LC_MESSAGES/x.mo'], [ev('/usr/bin/gettext.sh', 'x')]);
    expect(loc.keep.has('/usr/share/locale') && !loc.keep.has('/usr/share/locale/de/LC_MESSAGES/x.mo')).toBe(true);
  });

  it('an optional module (PostgreSQL\'s JIT provider) is kept and reported, and left out with dropOptional', () => {
    const pg = '/usr/lib/postgresql/15';
    const specs: Spec[] = [
      { path: `${pg}/bin/postgres`, mode: X }, { path: `${pg}/lib/utf8_and_euc_jp.so`, mode: X },
      { path: `${pg}/lib/llvmjit.so`, mode: X }, `${pg}/lib/bitcode/postgres/x.bc`, { path: `${LIBDIR}/libLLVM-14.so.1`, mode: X },
    ];
    const elf = Object.fromEntries([`${pg}/bin/postgres`, `${pg}/lib/utf8_and_euc_jp.so`, `${LIBDIR}/libLLVM-14.so.1`].map((p) => [p, elfInfo(['libc.so.6'])]));
    elf[`${pg}/lib/llvmjit.so`] = elfInfo(['libLLVM-14.so.1', 'libc.so.6']);
    const kept = run(specs, [ev(`${pg}/bin/postgres`, 'x')], { elf });
    expect(kept.keep.has(`${LIBDIR}/libLLVM-14.so.1`)).toBe(true);
    expect(reasons(kept, `${pg}/lib/llvmjit.so`)[0]).toMatch(/optional: PostgreSQL's JIT provider/);
    expect(kept.optional?.map((o) => [o.path, o.dropped]).sort()).toEqual([[`${pg}/lib/bitcode`, false], [`${pg}/lib/llvmjit.so`, false]]);
    expect(kept.optional?.find((o) => o.path.endsWith('/bitcode'))?.bytes).toBe(10); // its files' bytes
    const dropped = run(specs, [ev(`${pg}/bin/postgres`, 'x')], { elf, options: { dropOptional: true } });
    expect(dropped.keep.has(`${pg}/lib/llvmjit.so`) || dropped.keep.has(`${LIBDIR}/libLLVM-14.so.1`) || dropped.keep.has(`${pg}/lib/bitcode/postgres/x.bc`)).toBe(false);
    expect(dropped.keep.has(`${pg}/lib/utf8_and_euc_jp.so`)).toBe(true);
    expect(dropped.optional?.every((o) => o.dropped)).toBe(true);
    // the report: grouped by the mechanism that brought each entry, a library's libraries with it
    const rep = referencesReport(kept, true);
    expect(rep.byMechanism.find((m) => m.mechanism.startsWith('data-set: PostgreSQL'))?.files).toBeGreaterThan(3);
    expect(rep.byMechanism.some((m) => m.mechanism === 'elf-needed')).toBe(false);
    expect(rep.optional.length).toBe(2);
  });

  it('a program code only looks for (shutil.which) is optional: kept and listed, left out with dropOptional', () => {
    const specs: Spec[] = [
      { path: '/usr/bin/python3.11', mode: X },
      { path: '/srv/app/main.py', content: 'import shutil, subprocess\n\ndef pack(p):\n    if shutil.which("xz"):\n        subprocess.run(["gzip", p])\n' },
      { path: '/usr/bin/xz', mode: X }, { path: '/usr/bin/gzip', mode: X },
    ];
    const elf = Object.fromEntries(['/usr/bin/python3.11', '/usr/bin/xz', '/usr/bin/gzip'].map((p) => [p, elfInfo(['libc.so.6'], { interpreter: '/lib64/ld-linux-x86-64.so.2' })]));
    const trace = [ev('/usr/bin/python3.11', 'x'), ev('/srv/app/main.py')];
    const kept = run(specs, trace, { elf });
    expect(reasons(kept, '/usr/bin/xz')).toEqual(['command in /srv/app/main.py:4 (shutil.which xz (optional))']);
    expect(kept.optional?.map((o) => o.what)).toEqual(['a program the code looks for and runs without (shutil.which xz in /srv/app/main.py:4)']);
    const dropped = run(specs, trace, { elf, options: { dropOptional: true } });
    expect(dropped.keep.has('/usr/bin/xz')).toBe(false);
    expect(reasons(dropped, '/usr/bin/gzip')).toEqual(['command in /srv/app/main.py:5 (subprocess gzip)']); // what it runs is not optional
  });
  it('a fallback import is left out when what its try imports is there as source', () => {
    const specs: Spec[] = [
      { path: '/usr/bin/python3.11', mode: X },
      { path: '/srv/app/main.py', content: 'try:\n    import fastjson\nexcept ImportError:\n    import slowjson\n' },
      { path: `${py}/fastjson.py`, content: '' }, { path: `${py}/slowjson.py`, content: '' },
    ];
    const trace = [ev('/usr/bin/python3.11', 'x'), ev('/srv/app/main.py')];
    const s = run(specs, trace);
    expect(s.keep.has(`${py}/fastjson.py`) && !s.keep.has(`${py}/slowjson.py`)).toBe(true);
    const without = run(specs.filter((x) => typeof x === 'string' || !x.path.endsWith('fastjson.py')), trace);
    expect(reasons(without, `${py}/slowjson.py`)).toEqual(['imported by /srv/app/main.py:4 (import slowjson)']);
  });
});

describe('libtool archives', () => {
  it('a kept .la keeps the library its dlname names (libltdl opens coders/gif.la, then gif.so), with its libraries', () => {
    const coders = `${LIBDIR}/ImageMagick-6.9.11/modules-Q16/coders`;
    const la = (n: string) => ({ path: `${coders}/${n}.la`, content: `# ${n}.la - a libtool library file\n# Generated by libtool (GNU libtool) 2.4.7\n\ndlname='${n}.so'\nlibrary_names='${n}.so'\nlibdir='${coders}'\n` });
    const specs: Spec[] = [
      { path: '/usr/bin/convert', mode: X },
      ...['png', 'gif', 'bmp'].flatMap((n) => [la(n), { path: `${coders}/${n}.so`, mode: X }]),
      { path: `${LIBDIR}/libgif.so.7`, mode: X },
    ];
    // a run that wrote a gif: libltdl read gif.la; the library it names is loaded by another path
    const s = run(specs, [ev('/usr/bin/convert', 'x'), ev(`${coders}/gif.la`)], {
      elf: {
        '/usr/bin/convert': elfInfo(['libc.so.6'], { interpreter: '/lib64/ld-linux-x86-64.so.2' }),
        ...Object.fromEntries(['png', 'bmp'].map((n) => [`${coders}/${n}.so`, elfInfo(['libc.so.6'])])),
        [`${coders}/gif.so`]: elfInfo(['libgif.so.7', 'libc.so.6']),
        [`${LIBDIR}/libgif.so.7`]: elfInfo(['libc.so.6']),
      },
    });
    expect(reasons(s, `${coders}/gif.so`).join('; ')).toMatch(/gif\.la/);
    expect(s.keep.has(`${coders}/bmp.so`)).toBe(false); // no kept .la names it
    expect(s.keep.has(`${LIBDIR}/libgif.so.7`)).toBe(true);
  });
});

describe('configuration the run read', () => {
  it('a directory its config names is kept whole when it holds data to the programs that ran (a docroot\'s .js is data to nginx); a code dir is not', () => {
    const specs: Spec[] = [
      { path: '/usr/sbin/nginx', mode: X },
      { path: '/etc/nginx/sites-enabled/default', link: '../sites-available/default' },
      { path: '/etc/nginx/sites-available/default', content: 'server {\n  root /srv/www;\n  location /py { alias /usr/lib/python3/dist-packages/app; }\n}\n' },
      '/srv/www/index.html', '/srv/www/docs/a.json', '/srv/www/js/app.js', '/srv/www/img/red.png',
      { path: '/usr/lib/python3/dist-packages/app/x.py', content: '' }, { path: '/usr/lib/python3/dist-packages/app/bin/tool', mode: X },
    ];
    const s = run(specs, [ev('/usr/sbin/nginx', 'x'), ev('/etc/nginx/sites-enabled/default'), ev('/srv/www/index.html')], {
      elf: { '/usr/sbin/nginx': elfInfo(['libc.so.6'], { interpreter: '/lib64/ld-linux-x86-64.so.2' }) },
    });
    for (const p of ['/srv/www/docs/a.json', '/srv/www/js/app.js', '/srv/www/img/red.png']) expect(s.keep.has(p), p).toBe(true);
    expect(reasons(s, '/srv/www/docs/a.json')).toEqual(['path named in /etc/nginx/sites-available/default:2 (configuration /srv/www)']);
    expect(s.keep.has('/usr/lib/python3/dist-packages/app/x.py')).toBe(false);
  });
});
