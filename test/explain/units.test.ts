// explain's library without an engine: the front-coded entry list, the tree from a report,
// --why, --top, the plain tree, and bad reports as one line.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodePathList, encodePathList } from '../../src/util/path-list.js';
import { checkReport, explainModel, loadReport, top, why, whyLines } from '../../src/explain/index.js';
import { renderTreeText } from '../../src/treeview/text.js';
import { visibleRows } from '../../src/treeview/rows.js';
import { UserError } from '../../src/util/errors.js';
import { SLIMTS } from '../helpers/docker.js';

const dir = mkdtempSync(join(tmpdir(), 'explain-units-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DROPPED = [
  { path: '/usr/bin/apt', type: 'file', size: 19000 },
  { path: '/usr/bin/python3.11-config', type: 'symlink', size: 0 },
  { path: '/usr/share/doc', type: 'dir', size: 0 },
  { path: '/usr/share/doc/a%b\tc\nd', type: 'file', size: 5 },
  { path: '/var/cache/big', type: 'file', size: 90_000_000 },
];

function report() {
  return {
    source: { ref: 'app:1', size: 100_000_000, files: 12, bytes: 99_000_000 },
    output: { where: 'app.slim:1', size: 9_000_000, files: 7, bytes: 8_019_000 },
    ratio: 11.1,
    probes: [{ kind: 'http', target: 'GET http://:80/', ok: true, status: 200, ms: 3 }],
    verify: { ran: true, ok: true, notes: [] },
    kept: [
      { path: '/app', type: 'dir', size: 0, reasons: ['directory on path of /app/app.py'], why: [{ kind: 'on-path', of: '/app/app.py' }] },
      { path: '/app/app.py', type: 'file', size: 1000, reasons: ['traced open of /app/app.py'], why: [{ kind: 'traced', of: '/app/app.py', detail: 'open' }] },
      { path: '/usr/bin/python3.11', type: 'file', size: 7_000_000, reasons: ['traced exec of /usr/bin/python3.11'], why: [{ kind: 'traced', of: '/usr/bin/python3.11', detail: 'exec' }] },
      { path: '/usr/lib/libpython.so', type: 'file', size: 1_000_000, reasons: ['library libpython.so NEEDED by /usr/bin/python3.11'], why: [{ kind: 'elf-needed', of: '/usr/bin/python3.11', detail: 'libpython.so' }] },
      { path: '/usr/lib/py/json.py', type: 'file', size: 18_000, reasons: ['imported by /app/app.py:3 (import json)'], why: [{ kind: 'import', of: '/app/app.py', line: 3, detail: 'import json' }] },
      // a kind this version does not know, from a newer selector: shown with the build's words
      { path: '/usr/lib/py/helper', type: 'file', size: 1000, reasons: ['binary path named in /usr/lib/py/json.py'], why: [{ kind: 'binary-path', of: '/usr/lib/py/json.py' }] },
      { path: '/etc/passwd', type: 'file', size: 0, reasons: ['user database'] },
    ],
    dropped: { count: DROPPED.length, bytes: 90_019_005, encoding: 'front-coded-v1', entries: encodePathList(DROPPED) },
    added: [{ path: '/usr/local/bin/tool', size: 4242 }],
  };
}

describe('the front-coded entry list', () => {
  it('round-trips paths with %, tab and newline, types and sizes', () => {
    expect(decodePathList(encodePathList(DROPPED))).toEqual(DROPPED);
    expect(decodePathList('')).toEqual([]);
  });
  it('is about a fifth of a JSON array of the same entries', () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({ path: `/usr/lib/python3.11/site-packages/pkg${i >> 6}/module_${i}.py`, type: 'file', size: i * 37 }));
    expect(encodePathList(many).length).toBeLessThan(JSON.stringify(many).length / 3);
  });
  it('rejects a malformed line', () => {
    expect(() => decodePathList('0\t/a\tf1\n9\tx\tf2')).toThrow(/line 2/);
    expect(() => decodePathList('0\t/a\tz1')).toThrow(/line 1/);
  });
});

describe('the tree of a report', () => {
  const loaded = checkReport('r.json', report());
  const model = explainModel(loaded);

  it('marks each entry kept, dropped or added, with folder totals by mark', () => {
    expect(model.byPath.get('/usr/bin/apt')!.mark).toBe('dropped');
    expect(model.byPath.get('/usr/bin/python3.11')!.mark).toBe('kept');
    expect(model.byPath.get('/usr/local/bin/tool')!.mark).toBe('added');
    expect(model.byPath.get('/usr/bin')!.totals).toEqual({ kept: 7_000_000, dropped: 19000 });
    expect(model.root.totals).toEqual({ kept: 8_020_000, dropped: 90_019_005, added: 4242 });
  });

  it('links a reason to the entry that caused it, and tags it with its kind (unknown kinds too)', () => {
    const lib = model.byPath.get('/usr/lib/libpython.so')!;
    expect(lib.details).toEqual([{ text: 'library libpython.so NEEDED by /usr/bin/python3.11', link: '/usr/bin/python3.11', tag: 'elf-needed' }]);
    expect(model.byPath.get('/usr/lib/py/helper')!.details[0]).toMatchObject({ text: 'binary path named in /usr/lib/py/json.py', tag: 'binary-path' });
    expect(model.byPath.get('/etc/passwd')!.details[0]).toMatchObject({ text: 'user database', tag: 'reason' });
  });

  it('answers --why: kept with the chain, dropped with a neighbour and a flag, not in the image', () => {
    const helper = why(model, '/usr/lib/py/helper', { hasDropped: true });
    expect(helper.status).toBe('kept');
    expect(helper.chain!.map((c) => c.path)).toEqual(['/usr/lib/py/json.py', '/app/app.py']);
    const apt = why(model, 'usr/bin/apt', { hasDropped: true });
    expect(apt).toMatchObject({ status: 'dropped', nearestKept: { path: '/usr/bin/python3.11', relation: 'sibling' }, keepWith: '--include-bin /usr/bin/apt' });
    const odd = why(model, '/usr/share/doc/a%b\tc\nd', { hasDropped: true });
    expect(odd.keepWith).toBe(`--include-path '/usr/share/doc/a%b\tc\nd'`);
    expect(odd.nearestKept).toEqual({ path: '/usr', relation: 'ancestor' });
    expect(why(model, '/nope', { hasDropped: true }).status).toBe('not in the image');
    expect(whyLines(why(model, '/nope', { hasDropped: true }))).toEqual(['/nope: not in the image']);
    expect(why(explainModel({ ...loaded, dropped: undefined }), '/usr/bin/apt', { hasDropped: false }).status).toBe('not kept');
  });

  it('lists the largest kept subtrees and the reasons by bytes', () => {
    const t = top(model, 3);
    expect(t.subtrees.map((s) => s.path)).toEqual(['/usr/bin', '/usr/lib', '/usr/local']);
    expect(t.reasons[0]).toMatchObject({ reason: 'traced', files: 2, bytes: 7_001_000 });
    expect(t.reasons.map((r) => r.reason)).toContain('binary-path');
  });

  it('filters rows by mark, tag, size and path', () => {
    const paths = (f: object) => visibleRows(model, f, () => true).filter((r) => !r.node.children).map((r) => r.node.path);
    expect(paths({ marks: ['dropped'], minSize: 1_000_000 })).toEqual(['/var/cache/big']);
    expect(paths({ tag: 'import' })).toEqual(['/usr/lib/py/json.py']);
    expect(paths({ search: 'PY/J' })).toEqual(['/usr/lib/py/json.py']);
  });

  it('prints a plain tree with marks and sizes and no escape codes', () => {
    const text = renderTreeText(model);
    expect(text).not.toMatch(/\x1b/);
    expect(text).toMatch(/^- +19 kB +│   │   ├── apt$/m);
    expect(text).toContain('└── a%b\\x09c\\x0ad\n'); // control characters shown, lines kept whole
    expect(text).toMatch(/^\* +4\.2 kB +│   │       └── tool$/m);
    expect(renderTreeText(model, { depth: 1 }).split('\n').filter((l) => l.includes('──')).length).toBe(4); // app, etc, usr, var
  });
});

describe('bad reports', () => {
  const write = (name: string, text: string) => {
    const f = join(dir, name);
    writeFileSync(f, text);
    return f;
  };
  it('says what is wrong in one line', () => {
    expect(() => loadReport(join(dir, 'missing.json'))).toThrow(/no build report at/);
    expect(() => loadReport(write('notjson.json', '{'))).toThrow(/is not JSON/);
    expect(() => loadReport(write('other.json', '{"a":1}'))).toThrow(/not a slimts build report/);
    const bad = { ...report(), dropped: { count: 1, bytes: 0, encoding: 'front-coded-v1', entries: 'junk' } };
    expect(() => loadReport(write('bad.json', JSON.stringify(bad)))).toThrow(UserError);
    expect(() => loadReport(dir)).toThrow(/is a directory/);
  });
});

describe('a reader that stops reading', () => {
  it('ends the plain tree quietly, as a SIGPIPE would (exit 141, nothing on stderr)', () => {
    // far more than a pipe holds, so the write after `head` left meets a closed pipe
    const many = Array.from({ length: 20_000 }, (_, i) => ({ path: `/usr/share/many/f${i}`, type: 'file', size: i }));
    const big = { ...report(), dropped: { count: many.length, bytes: 0, encoding: 'front-coded-v1', entries: encodePathList(many) } };
    const f = join(dir, 'big.json');
    writeFileSync(f, JSON.stringify(big));
    const r = spawnSync('bash', ['-c', 'node "$0" explain "$1" | head -1; echo "status ${PIPESTATUS[0]}" >&2', SLIMTS, f], { encoding: 'utf8' });
    expect(r.stdout).toBe('slimts explain ' + f + '\n');
    expect(r.stderr).toBe('status 141\n');
  });
});
