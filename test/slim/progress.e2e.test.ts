// What a person watching a build sees. On a terminal (driven through tmux): each run's notes
// under the stage they belong to, and a last frame that reads as what happened (a run's warning
// stays; "stopping with SIGTERM" and verify's "the app is running" do not). Piped: the same
// notes as plain lines, each labelled with its run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { docker, SLIMTS, uniqueName } from '../helpers/docker.js';
import { buildSample, buildTrouble, ensureCli, slim } from './e2e.js';

const tmux = (args: string[]) => spawnSync('tmux', args, { encoding: 'utf8' });

describe('build progress', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slimts-progress-'));
  const session = uniqueName('slimts-progress').replace(/[^a-z0-9-]/gi, '-');
  const tag = `${uniqueName('slimts-e2e/progress')}:1`;
  afterAll(() => {
    tmux(['kill-session', '-t', session]);
    rmSync(dir, { recursive: true, force: true });
    docker(['rmi', tag], { allowFail: true });
  });

  /** Runs `build image` in a 160x50 tmux terminal; returns every frame seen (100 ms apart) and the last. */
  async function onTerminal(image: string, name: string): Promise<{ frames: string[]; last: string; code: string }> {
    const done = join(dir, `${name}.done`);
    // a terminal outside CI: ink draws only the last frame when CI is set (even empty)
    const cmd = `env -u CI -u CONTINUOUS_INTEGRATION node ${SLIMTS} build ${image} --tag ${tag} --report ${join(dir, `${name}.json`)} > ${join(dir, `${name}.out`)}; echo $? > ${done}; sleep 600`;
    const s = `${session}-${name}`;
    const started = tmux(['new-session', '-d', '-s', s, '-x', '160', '-y', '50', `bash -c '${cmd}'`]);
    expect(started.status, started.stderr).toBe(0);
    const frames: string[] = [];
    try {
      const until = Date.now() + 150_000;
      while (Date.now() < until && spawnSync('test', ['-s', done]).status !== 0) {
        frames.push(tmux(['capture-pane', '-p', '-t', s]).stdout);
        await new Promise((r) => setTimeout(r, 100));
      }
      return { frames, last: tmux(['capture-pane', '-p', '-t', s]).stdout, code: readFileSync(done, 'utf8').trim() };
    } finally {
      tmux(['kill-session', '-t', s]);
    }
  }
  const rowsOf = (screen: string) => screen.split('\n').map((l) => l.trimEnd()).filter(Boolean);
  const stageRow = (lines: string[], mark: string, stage: string) => lines.findIndex((l) => new RegExp(`^${mark} ${stage} +\\d+\\.\\ds$`).test(l));

  it('on a terminal: each run\'s notes under its stage, and a last frame without the stop notes', async () => {
    ensureCli();
    const { frames, last, code } = await onTerminal(buildSample('flask'), 'flask');
    expect(code).toBe('0');
    // while verify runs, its note is under "verify", not under "run"
    const verifying = frames.map(rowsOf).find((l) => { const v = stageRow(l, '…', 'verify'); return v >= 0 && /^ {4}the app is running$/.test(l[v + 1] ?? ''); });
    expect(verifying, frames.at(-1)).toBeDefined();
    const lines = rowsOf(last);
    expect(stageRow(lines, '✓', 'run'), last).toBeGreaterThanOrEqual(0);
    expect(stageRow(lines, '✓', 'verify'), last).toBeGreaterThan(stageRow(lines, '✓', 'run'));
    expect(last).not.toMatch(/the app is running|stopping with|SIGKILL/);
  }, 200_000);

  it('on a terminal: a run\'s warning stays under its stage in the last frame', async () => {
    const { last, code } = await onTerminal(buildTrouble('wrongport'), 'wrongport');
    expect(code).toBe('0');
    const lines = rowsOf(last);
    const run = stageRow(lines, '✓', 'run');
    const verify = stageRow(lines, '✓', 'verify');
    expect(run, last).toBeGreaterThanOrEqual(0);
    expect(lines.slice(run + 1, verify).join('\n'), last).toMatch(/⚠ port 5000 is EXPOSEd but the app did not listen on it/);
  }, 200_000);

  it('piped: the runs\' notes as plain lines, labelled', () => {
    const s = slim(buildSample('flask'));
    try {
      expect(s.status, s.stderr).toBe(0);
      const lines = s.stderr.split('\n');
      expect(lines).toContain('slimts: run: the app is running');
      expect(lines).toContain('slimts: verify: the app is running');
      expect(lines.some((l) => /^slimts: run: stopping with SIGTERM$/.test(l))).toBe(true);
    } finally {
      s.cleanup();
    }
  });
});
