// A newcomer's first steps, as the README writes them: how to run slimts after `npm ci`
// (npx, npm install -g / npm link), how long the suite takes, and how to run one test file.
// The install is done for real, into a throwaway prefix.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/docker.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const section = (title: string) => {
  const at = readme.indexOf(`### ${title}`);
  expect(at, `README section "${title}"`).toBeGreaterThanOrEqual(0);
  const end = readme.slice(at + 4).search(/\n#{2,3} /);
  return readme.slice(at, end < 0 ? undefined : at + 4 + end);
};

describe('README: the first hour', () => {
  it('says how to run slimts, and `npm install -g .` gives a working `slimts`', () => {
    const s = section('Running `slimts`');
    for (const way of ['npx slimts', 'node bin/slimts.js', 'npm link', 'npm install -g .']) expect(s).toContain(way);
    const prefix = mkdtempSync(join(tmpdir(), 'slimts-global-'));
    try {
      // no scripts: the global setup built dist/ already, and a rebuild here would rewrite it
      // under tests running beside this one (a folder install links the checkout)
      const r = spawnSync('npm', ['install', '-g', '.', '--prefix', prefix, '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const bin = join(prefix, 'bin', 'slimts');
      expect(existsSync(bin)).toBe(true);
      const help = spawnSync(bin, ['--help'], { encoding: 'utf8' });
      expect(help.status).toBe(0);
      for (const cmd of ['build', 'xray', 'imagebuild']) expect(help.stdout).toMatch(new RegExp(`^  ${cmd}\\b`, 'm'));
    } finally {
      rmSync(prefix, { recursive: true, force: true });
    }
  }, 180_000);

  it('says how long the suite takes and how to run one file, with a file that exists', () => {
    const s = section('Running the tests');
    expect(s).toMatch(/takes about \d+ minutes/);
    const one = /npm test -- (test\/\S+\.test\.ts)/.exec(s);
    expect(one).not.toBeNull();
    expect(existsSync(join(ROOT, one![1]!))).toBe(true);
    expect(s).toContain('SLIMTS_TEST_NO_ENGINE=1');
  });
});
