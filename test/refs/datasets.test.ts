// Data sets kept on demand (src/refs/datasets.ts), over an in-memory filesystem: a kept Python
// package keeps its distribution's metadata, which importlib.metadata finds by name.
import { describe, expect, it } from 'vitest';
import { indexView } from '../../src/elf/index.js';
import { dataSetsFor, Fs, languageOf } from '../../src/refs/index.js';
import { memIndex, memRead, type Spec } from '../select/memindex.js';

const DP = '/usr/lib/python3/dist-packages';
const specs: Spec[] = [
  `${DP}/flask/__init__.py`, `${DP}/flask/app.py`, { path: `${DP}/Flask-2.2.2.egg-info/top_level.txt`, content: 'flask\n' }, `${DP}/Flask-2.2.2.egg-info/PKG-INFO`,
  `${DP}/yaml/__init__.py`, { path: `${DP}/PyYAML-6.0.dist-info/RECORD`, content: 'yaml/__init__.py,sha256=x,1\n_yaml/__init__.py,sha256=y,2\nPyYAML-6.0.dist-info/METADATA,,\n' }, `${DP}/PyYAML-6.0.dist-info/METADATA`,
  `${DP}/six.py`, `${DP}/six-1.16.0.dist-info/METADATA`,
  `${DP}/unused/__init__.py`, `${DP}/unused_pkg-1.0.dist-info/METADATA`,
];
const ctx = () => {
  const index = memIndex(specs);
  return { fs: new Fs(indexView(index, memRead(index))), env: [], traced: [], usesSymbol: () => false };
};
const metadataOf = (kept: string[]) => dataSetsFor(kept, ctx()).filter((n) => n.set === 'python-metadata').flatMap((n) => n.roots).sort();

describe('python distribution metadata', () => {
  it('by top_level.txt, by RECORD, by the distribution name', () => {
    expect(metadataOf([`${DP}/flask/app.py`])).toEqual([`${DP}/Flask-2.2.2.egg-info`]);
    expect(metadataOf([`${DP}/yaml/__init__.py`])).toEqual([`${DP}/PyYAML-6.0.dist-info`]);
    expect(metadataOf([`${DP}/six.py`])).toEqual([`${DP}/six-1.16.0.dist-info`]);
  });
  it('nothing for packages not kept, nor for the standard library', () => {
    expect(metadataOf([`${DP}/flask/app.py`, '/usr/lib/python3.11/json/__init__.py'])).toEqual([`${DP}/Flask-2.2.2.egg-info`]);
  });
  it('metadata files are never read as code', () => {
    expect(languageOf(`${DP}/Flask-2.2.2.egg-info/PKG-INFO`, {}, 'from flask import Flask\n')).toBeUndefined();
    expect(languageOf(`${DP}/PyYAML-6.0.dist-info/METADATA`, { openedBy: 'python' })).toBeUndefined();
  });
});

describe('node compiled addons', () => {
  const NM = '/usr/lib/x86_64-linux-gnu/nodejs';
  const specs2: Spec[] = [
    `${NM}/sqlite3/package.json`, `${NM}/sqlite3/lib/sqlite3.js`, `${NM}/sqlite3/lib/binding/napi-v6-linux-glibc-x64/node_sqlite3.node`,
    `${NM}/sqlite3/node_modules/inner/package.json`, `${NM}/sqlite3/node_modules/inner/inner.node`,
    `${NM}/plain/package.json`, `${NM}/plain/index.js`,
  ];
  const addons = (kept: string[]) => {
    const index = memIndex(specs2);
    const c = { fs: new Fs(indexView(index, memRead(index))), env: [], traced: [], usesSymbol: () => false };
    return dataSetsFor(kept, c).filter((n) => n.set === 'node-addons').flatMap((n) => n.roots).sort();
  };
  it("a kept package's .node files, loaded by a computed path; not its nested packages'", () => {
    expect(addons([`${NM}/sqlite3/lib/sqlite3.js`])).toEqual([`${NM}/sqlite3/lib/binding/napi-v6-linux-glibc-x64/node_sqlite3.node`]);
    expect(addons([`${NM}/plain/index.js`])).toEqual([]);
  });
});

describe('a locale the run read', () => {
  it('every category of it: one category read (LC_CTYPE at start) keeps the locale directory; the archive and the index alone keep nothing more', () => {
    const index = memIndex(['/usr/lib/locale/C.utf8/LC_CTYPE', '/usr/lib/locale/C.utf8/LC_COLLATE', '/usr/lib/locale/C.utf8/LC_MESSAGES/SYS_LC_MESSAGES', '/usr/lib/locale/de_DE.utf8/LC_CTYPE', '/usr/lib/locale/locale-archive']);
    const at = (traced: string[]) => dataSetsFor([], { fs: new Fs(indexView(index, memRead(index))), env: [], traced, usesSymbol: () => false }).filter((n) => n.set === 'locale').flatMap((n) => n.roots);
    expect(at(['/usr/lib/locale/C.utf8/LC_CTYPE'])).toEqual(['/usr/lib/locale/C.utf8']);
    expect(at(['/usr/lib/locale/locale-archive'])).toEqual([]);
  });
});

describe('fonts fontconfig finds by name', () => {
  it('a kept libfontconfig keeps its configuration, every font dir it lists and its cache', () => {
    const index = memIndex([
      { path: '/usr/lib/x86_64-linux-gnu/libfontconfig.so.1.12.0', mode: 0o755 },
      { path: '/etc/fonts/fonts.conf', content: '<fontconfig>\n  <dir>/usr/share/fonts</dir>\n  <dir prefix="xdg">fonts</dir>\n  <dir>/opt/brand/fonts</dir>\n</fontconfig>\n' },
      '/etc/fonts/conf.d/10-hinting.conf', '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/opt/brand/fonts/Brand.otf', '/var/cache/fontconfig/x.cache-8',
    ]);
    const sets = dataSetsFor(['/usr/lib/x86_64-linux-gnu/libfontconfig.so.1.12.0'], { fs: new Fs(indexView(index, memRead(index))), env: [], traced: [], usesSymbol: () => false }).filter((n) => n.set === 'fonts');
    expect(sets.flatMap((n) => n.roots)).toEqual(['/etc/fonts', '/usr/share/fonts', '/opt/brand/fonts', '/var/cache/fontconfig']);
    expect(dataSetsFor(['/usr/bin/ls'], { fs: new Fs(indexView(index, memRead(index))), env: [], traced: [], usesSymbol: () => false }).filter((n) => n.set === 'fonts')).toEqual([]);
  });
});
