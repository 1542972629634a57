// What a person watching a build sees. On a terminal (driven through tmux): each run's notes
// under the stage they belong to, and a last frame that reads as what happened (the traced
// run's warning stays; "stopping with SIGTERM" and verify's "the app is running" do not).
// Piped: the same notes as plain lines, each labelled with its run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { docker, SLIMTS, uniqueName } from '../helpers/docker.js';
import { buildTrouble, ensureCli, slim } from './e2e.js';

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

  it('on a terminal: notes under their stage; the last frame keeps warnings, not the stop notes', async () => {
    ensureCli();
    const image = buildTrouble('wrongport');
    const done = join(dir, 'done');
    // stdout to a file, stderr (the live view) to the terminal; the pane stays after the exit
    const cmd = `node ${SLIMTS} build ${image} --tag ${tag} --report ${join(dir, 'r.json')} > ${join(dir, 'out')}; echo $? > ${done}; sleep 600`;
    const started = tmux(['new-session', '-d', '-s', session, '-x', '160', '-y', '50', '-e', 'CI=', `bash -c '${cmd}'`]);
    expect(started.status, started.stderr).toBe(0);
    const until = Date.now() + 150_000;
    while (Date.now() < until && spawnSync('test', ['-s', done]).status !== 0) await new Promise((r) => setTimeout(r, 500));
    expect(readFileSync(done, 'utf8').trim()).toBe('0');
    const screen = tmux(['capture-pane', '-p', '-t', session]).stdout;
    const lines = screen.split('\n').map((l) => l.trimEnd()).filter(Boolean);
    const at = (stage: string) => lines.findIndex((l) => new RegExp(`^✓ ${stage} +\\d+\\.\\ds$`).test(l));
    const run = at('run');
    const verify = at('verify');
    expect(run, screen).toBeGreaterThanOrEqual(0);
    expect(verify, screen).toBeGreaterThan(run);
    // the traced run's warning stays under "run"
    expect(lines.slice(run + 1, verify).join('\n'), screen).toMatch(/⚠ port 5000 is EXPOSEd but the app did not listen on it/);
    // no run's passing notes in the last frame
    expect(screen).not.toMatch(/the app is running|stopping with|SIGKILL/);
  }, 200_000);

  it('piped: the runs\' notes as plain lines, labelled', () => {
    const s = slim(buildTrouble('wrongport'));
    try {
      expect(s.status, s.stderr).toBe(0);
      const lines = s.stderr.split('\n');
      expect(lines).toContain('slimts: run: the app is running');
      expect(lines).toContain('slimts: verify: the app is running');
      expect(lines.some((l) => /^slimts: run: stopping with SIGTERM$/.test(l))).toBe(true);
      expect(lines.some((l) => /^slimts: run: warning: port 5000 is EXPOSEd/.test(l))).toBe(true);
    } finally {
      s.cleanup();
    }
  });
});
