// `slimts explain` over a real build of the flask sample: --why answers match the report (and
// the flag it suggests really keeps a dropped file), the plain tree off a terminal, the
// interactive view driven in tmux, and the HTML page (`build --html`) in headless chromium.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { ROOT, SLIMTS, docker, slimts, uniqueName } from '../helpers/docker.js';
import { schemaFromMarkdown, validate } from '../slim/schema-check.js';
import { buildSample, ensureCli } from '../slim/e2e.js';
import { decodePathList } from '../../src/util/path-list.js';
import type { BuildReport } from '../../src/slim/index.js';

let dir: string;
let reportFile: string;
let htmlFile: string;
let report: BuildReport;
const tags: string[] = [];

beforeAll(() => {
  ensureCli();
  const image = buildSample('flask');
  dir = mkdtempSync(join(tmpdir(), 'slimts-explain-'));
  reportFile = join(dir, 'slim.report.json');
  htmlFile = join(dir, 'slim.html');
  const tag = `${uniqueName('slimts-explain/flask')}:1`;
  tags.push(tag);
  const r = slimts(['build', image, '--tag', tag, '--report', reportFile, '--html', htmlFile]);
  expect(r.stderr + r.stdout).toContain(`html: ${htmlFile}`);
  expect(r.status).toBe(0);
  report = JSON.parse(readFileSync(reportFile, 'utf8')) as BuildReport;
});

afterAll(() => {
  for (const t of tags) docker(['rmi', '-f', t], { allowFail: true });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  path: string;
  status: string;
  size?: number;
  reasons?: { text: string; kind?: string; of?: string }[];
  nearestKept?: { path: string };
  keepWith?: string;
}

function whyJson(path: string): { answer: Answer; status: number } {
  const r = slimts(['explain', reportFile, '--why', path, '--json']);
  expect(r.stderr).toBe('');
  return { answer: JSON.parse(r.stdout) as Answer, status: r.status };
}

const keptEntry = (path: string) => report.kept.find((k) => k.path === path);

describe('slimts explain --why over a real build', () => {
  it('the report lists every original entry as kept or dropped, and fits its schema', () => {
    expect(validate(schemaFromMarkdown(join(ROOT, 'src/slim/SCHEMA.md')), report)).toEqual([]);
    const dropped = decodePathList(report.dropped!.entries);
    expect(dropped.length).toBe(report.dropped!.count);
    expect(dropped.length + report.kept.length).toBe(report.source.files);
    const keptPaths = new Set(report.kept.map((k) => k.path));
    expect(dropped.some((d) => keptPaths.has(d.path))).toBe(false);
    expect(report.kept.every((k) => k.why && k.why.length === k.reasons.length)).toBe(true);
  });

  it('a traced file: kept, with the reasons the report gives', () => {
    const { answer, status } = whyJson('/app/app.py');
    expect(status).toBe(0);
    expect(answer.status).toBe('kept');
    expect(answer.reasons!.map((r) => r.text)).toEqual(keptEntry('/app/app.py')!.reasons);
    expect(answer.reasons!.some((r) => r.kind === 'traced')).toBe(true);
  });

  it('a file kept by a reference: kept, its reasons name the file that refers to it', () => {
    const byRef = report.kept.find((k) => k.type === 'file' && k.why!.length > 0 && k.why!.every((w) => w.kind === 'import'));
    expect(byRef, 'the flask build keeps a module only because kept code imports it').toBeDefined();
    const { answer } = whyJson(byRef!.path);
    expect(answer.status).toBe('kept');
    expect(answer.reasons!.map((r) => r.text)).toEqual(byRef!.reasons);
    expect(answer.reasons![0]!.of).toBe(byRef!.why![0]!.of);
    const plain = slimts(['explain', reportFile, '--why', byRef!.path]);
    expect(plain.stdout).toContain(`${byRef!.path}: kept`);
    expect(plain.stdout).toContain(`because: ${byRef!.reasons[0]}`);
  });

  it('a dropped file: dropped, with its nearest kept neighbour and a flag that really keeps it', () => {
    const apt = decodePathList(report.dropped!.entries).find((d) => d.path === '/usr/bin/apt-get')!;
    expect(apt).toBeDefined();
    const { answer, status } = whyJson('/usr/bin/apt-get');
    expect(status).toBe(1);
    expect(answer).toMatchObject({ status: 'dropped', size: apt.size, keepWith: '--include-bin /usr/bin/apt-get' });
    expect(keptEntry(answer.nearestKept!.path)).toBeDefined();
    // the suggested flag, on a second build, keeps it
    const tag = `${uniqueName('slimts-explain/flask-apt')}:1`;
    tags.push(tag);
    const again = join(dir, 'again.json');
    const r = slimts(['build', report.source.ref, '--tag', tag, '--report', again, '--no-verify', ...answer.keepWith!.split(' ')]);
    expect(r.status).toBe(0);
    const second = slimts(['explain', again, '--why', '/usr/bin/apt-get']);
    expect(second.stdout).toContain('/usr/bin/apt-get: kept');
    expect(second.stdout).toContain('--include-bin /usr/bin/apt-get');
  });

  it('a path not in the image', () => {
    const { answer, status } = whyJson('/no/such/file');
    expect(status).toBe(1);
    expect(answer.status).toBe('not in the image');
  });

  it('--top lists the largest kept subtrees, bytes adding up to at most what was kept', () => {
    const r = slimts(['explain', reportFile, '--top', '3', '--json']);
    const t = JSON.parse(r.stdout) as { keptBytes: number; subtrees: { path: string; bytes: number }[]; reasons: { reason: string; bytes: number }[] };
    expect(t.keptBytes).toBe(report.output.bytes);
    expect(t.subtrees.length).toBe(3);
    expect(t.subtrees.reduce((s, x) => s + x.bytes, 0)).toBeLessThanOrEqual(t.keptBytes);
    expect(t.reasons.reduce((s, x) => s + x.bytes, 0)).toBe(t.keptBytes);
  });

  it('off a terminal: a plain tree, every entry with its mark, no escape codes', () => {
    const r = slimts(['explain', reportFile]);
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(/\x1b/);
    expect(r.stdout).toMatch(/^\+ .*└── app\.py$/m);
    expect(r.stdout).toMatch(/^- .*── apt-get$/m);
    expect(r.stdout.split('\n').filter((l) => l.includes('── ')).length).toBe(report.source.files - 1); // all but "/"
  });

  it('IMAGE REPORT: a report without the dropped list is explained from the image itself', () => {
    const { dropped: _d, ...old } = report;
    const oldFile = join(dir, 'old.report.json');
    writeFileSync(oldFile, JSON.stringify(old));
    expect(slimts(['explain', oldFile, '--why', '/usr/bin/apt-get', '--json']).stdout).toContain('"status": "not kept"');
    const r = slimts(['explain', report.source.ref, oldFile, '--why', '/usr/bin/apt-get', '--json']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual(whyJson('/usr/bin/apt-get').answer);
    const other = slimts(['explain', 'slimts-base/bookworm:minbase', oldFile, '--why', '/usr/bin/apt-get']);
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/^slimts: slimts-base\/bookworm:minbase is sha256:.*, but .* was built from sha256:/);
  });

  it('bad input: one line, exit 2', () => {
    const r = slimts(['explain', join(dir, 'missing.json')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^slimts: no build report at .*missing\.json/);
    expect(r.stderr.trim().split('\n').length).toBe(1);
  });
});

// ---- the interactive view, in a real terminal (tmux)
function tmux(...args: string[]): string {
  const r = spawnSync('tmux', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const KEY_HELP_START = '↑↓ move';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function screenUntil(session: string, want: RegExp | string, ms = 8000): Promise<string> {
  const until = Date.now() + ms;
  let screen = '';
  while (Date.now() < until) {
    screen = tmux('capture-pane', '-p', '-t', session);
    if (typeof want === 'string' ? screen.includes(want) : want.test(screen)) return screen;
    await sleep(100);
  }
  throw new Error(`screen never showed ${want}:\n${screen}`);
}

async function keys(session: string, ...ks: string[]): Promise<void> {
  for (const k of ks) {
    tmux('send-keys', '-t', session, k);
    await sleep(150); // one key per read: the view takes keys one at a time
  }
}

describe('the interactive view in tmux', () => {
  it('opens, navigates, filters dropped, searches a path, reads and follows a reason, quits', async () => {
    const dropped = decodePathList(report.dropped!.entries);
    const top = [...report.kept.map((k) => ({ ...k, mark: 'kept' })), ...dropped.map((d) => ({ ...d, mark: 'dropped' }))]
      .filter((e) => e.path !== '/' && e.path.lastIndexOf('/') === 0)
      .sort((a, b) => (a.path < b.path ? -1 : 1));
    const byRef = report.kept.find((k) => k.type === 'file' && k.why!.length > 0 && k.why!.every((w) => w.kind === 'import'))!;
    const cause = byRef.why![0]!.of!;
    const session = uniqueName('slimts-explain');
    const done = join(dir, 'tmux.done');
    tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '40', `env -u CI -u CONTINUOUS_INTEGRATION node ${SLIMTS} explain ${reportFile}; echo $? > ${done}; sleep 60`);
    try {
      // open: the summary and the top folders with kept / dropped totals
      let s = await screenUntil(session, `${report.source.ref}:`);
      expect(s).toContain(`kept`);
      expect(s).toContain(`in ${report.kept.length} entries, dropped`);
      for (const e of top.slice(0, 5)) expect(s).toContain(`── ${e.path.slice(1)}`);
      expect(tmux('capture-pane', '-p', '-e', '-t', session)).toMatch(/\x1b\[3[12]m/); // kept green, dropped red
      // navigate: down moves the selection, the detail line follows
      await keys(session, 'j');
      s = await screenUntil(session, `${top[1]!.mark} ${top[1]!.path}`);
      // filter dropped: only dropped entries and the folders holding them remain
      await keys(session, 'f');
      await screenUntil(session, 'only kept');
      await keys(session, 'f');
      s = await screenUntil(session, 'only dropped');
      const keptOnly = top.find((e) => e.type === 'dir' && !dropped.some((d) => d.path.startsWith(`${e.path}/`)) && e.mark === 'kept');
      if (keptOnly) expect(s).not.toContain(`── ${keptOnly.path.slice(1)}/`);
      // diff only: what the slim image lacks; a reason kind: only entries kept for it
      await keys(session, 'x');
      await keys(session, 'd');
      s = await screenUntil(session, 'filter: diff only');
      if (keptOnly) expect(s).not.toContain(`── ${keptOnly.path.slice(1)}/`);
      await keys(session, 'd', 'r');
      s = await screenUntil(session, /filter: reason [\w-]+/);
      const kind = /filter: reason ([\w-]+)/.exec(s)![1]!;
      expect(report.kept.some((k) => k.why!.some((w) => w.kind === kind))).toBe(true);
      // search a path (filter cleared first), go to it and read its reasons
      await keys(session, 'x');
      await screenUntil(session, KEY_HELP_START);
      await keys(session, '/');
      await screenUntil(session, 'search path:');
      tmux('send-keys', '-t', session, '-l', byRef.path);
      await keys(session, 'Enter');
      await screenUntil(session, `path ~ "${byRef.path}"`);
      await keys(session, 'G');
      await screenUntil(session, `${byRef.path.split('/').pop()}`);
      s = await screenUntil(session, `kept ${byRef.path} (file`);
      expect(s).toContain(`[1] ${byRef.reasons[0]}`);
      // follow the reason to the entry that caused it, and come back
      await keys(session, '1');
      await screenUntil(session, `kept ${cause} (file`);
      await keys(session, 'b');
      await screenUntil(session, `kept ${byRef.path} (file`);
      // NO_COLOR: the same view without colours (marks and the selection stay)
      const plain = uniqueName('slimts-explain-nocolor');
      tmux('new-session', '-d', '-s', plain, '-x', '160', '-y', '40', `env -u CI -u CONTINUOUS_INTEGRATION NO_COLOR=1 node ${SLIMTS} explain ${reportFile}; sleep 60`);
      try {
        await screenUntil(plain, `${report.source.ref}:`);
        const coded = tmux('capture-pane', '-p', '-e', '-t', plain);
        expect(coded).not.toMatch(/\x1b\[3[0-7]m/);
        expect(tmux('capture-pane', '-p', '-t', plain)).toMatch(/^>\+ .*── app\/ …/m); // the cursor, as a character
      } finally {
        spawnSync('tmux', ['kill-session', '-t', plain]);
      }
      // quit: the terminal is given back and the exit status is 0
      await keys(session, 'q');
      const until = Date.now() + 5000;
      for (;;) {
        let status = '';
        try {
          status = readFileSync(done, 'utf8').trim();
        } catch {
          if (Date.now() > until) throw new Error('explain did not quit on q');
          await sleep(100);
          continue;
        }
        expect(status).toBe('0');
        break;
      }
    } finally {
      spawnSync('tmux', ['kill-session', '-t', session]);
    }
  });
});

// ---- the HTML page written by `build --html`, in a real headless browser
describe('the HTML page in headless chromium', () => {
  it('renders, has the folders in its treemap, finds a file with its reasons, and asks the network for nothing', async () => {
    const profile = mkdtempSync(join(tmpdir(), 'slimts-explain-chromium-'));
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      const errors: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`file://${htmlFile}`);
      await page.waitForSelector('body[data-ready="1"]', { timeout: 15_000 });
      // before → after
      const head = await page.locator('#summary').innerText();
      expect(head).toContain(`${report.source.files} entries`);
      expect(head).toContain(`${report.output.files} entries`);
      // the treemap has the top folders holding most bytes, each with kept and dropped bytes
      const folders = await page.locator('#treemap .cell.top').evaluateAll((es) => es.map((e) => (e as HTMLElement).dataset.path));
      expect(folders).toEqual(expect.arrayContaining(['/usr', '/var', '/app']));
      expect(await page.locator('#treemap [data-path="/usr/lib"]').getAttribute('title')).toMatch(/^\/usr\/lib: kept .*, dropped /);
      // search finds a file and shows its reasons
      const byRef = report.kept.find((k) => k.type === 'file' && k.why!.every((w) => w.kind === 'import'))!;
      await page.fill('#search', byRef.path);
      const hit = page.locator(`#results .hit[data-path="${byRef.path}"]`);
      await expect.poll(() => hit.count()).toBe(1);
      const text = await hit.innerText();
      for (const r of byRef.reasons) expect(text).toContain(r);
      // a dropped file says so; the probes are listed
      await page.fill('#search', '/usr/bin/apt-get');
      await expect.poll(() => page.locator('#results .hit.dropped[data-path="/usr/bin/apt-get"]').count()).toBe(1);
      expect(await page.locator('#probes table.probes').first().locator('tr').count()).toBe(report.probes.length + 1);
      // following a reason's link opens the tree on the cause
      await page.fill('#search', byRef.path);
      await hit.locator('a.cause').first().click();
      await expect.poll(() => page.locator('#details h3').innerText()).toBe(`kept: ${byRef.why![0]!.of}`);
      expect(errors).toEqual([]);
      expect(requests).toEqual([`file://${htmlFile}`]);
    } finally {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
