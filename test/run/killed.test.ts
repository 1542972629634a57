// Nothing outlives the controller (issue 10): `slimts build` SIGKILLed in each stage that runs
// a container — the traced run, an exec probe inside it, the verify run — leaves no container
// behind a few seconds later (the sensor ends the traced container when the controller's attach
// stream closes; the reaper removes everything owned by the dead process, temp dirs too); and
// leftovers whose reaper died too are removed by the next run.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeOrphans } from '../../src/engine/reaper.js';
import { BASE_IMAGE, docker, SLIMTS, uniqueName } from '../helpers/docker.js';
import { buildSample, ensureCli } from '../slim/e2e.js';

let dir: string;
beforeAll(() => {
  ensureCli();
  dir = mkdtempSync(join(tmpdir(), 'slimts-killed-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// the controller names its containers slimts-run-<pid>-…
const runContainers = (pid: number) =>
  docker(['ps', '-aq', '--no-trunc', '--filter', 'label=io.slimts.run', '--filter', `name=slimts-run-${pid}-`]).stdout.split('\n').filter(Boolean);

// its temp dirs are named slimts-<what>-<pid>-…
const tempDirs = (pid: number) => readdirSync(tmpdir()).filter((n) => n.startsWith('slimts-') && n.includes(`-${pid}-`));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, cond: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; !cond(); await sleep(200)) if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
}

async function killDuring(stage: 'run' | 'exec' | 'verify'): Promise<void> {
  const image = buildSample('nginx');
  const tag = `${uniqueName('slimts-e2e/killed')}:1`;
  const extra = stage === 'exec' ? ['--exec', 'sleep 30'] : [];
  const child = spawn('node', [SLIMTS, 'build', image, '--tag', tag, '--report', join(dir, `${stage}.json`), ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  const pid = child.pid!;
  try {
    if (stage === 'run') await until('the traced run', () => /the app is running/.test(err), 90_000);
    if (stage === 'exec') {
      await until('the exec probe', () => runContainers(pid).some((id) => /sleep 30/.test(docker(['top', id], { allowFail: true }).stdout)), 90_000);
    }
    if (stage === 'verify') await until('the verify run', () => /slimts: verify/.test(err) && runContainers(pid).length > 0, 120_000);
    const mine = runContainers(pid);
    expect(mine.length, err).toBeGreaterThan(0);
    // by verify the trace and the written layout are on disk
    if (stage === 'verify') expect(tempDirs(pid).length).toBeGreaterThan(0);
    child.kill('SIGKILL');
    await exited;
    await until(`no container of the killed build (${stage})`, () => runContainers(pid).length === 0, 15_000).catch(() => {});
    expect(runContainers(pid)).toEqual([]);
    await until(`no temp dir of the killed build (${stage})`, () => tempDirs(pid).length === 0, 15_000).catch(() => {});
    expect(tempDirs(pid)).toEqual([]);
    for (const id of mine) expect(docker(['inspect', id], { allowFail: true }).status).not.toBe(0);
  } finally {
    child.kill('SIGKILL');
    docker(['rmi', '-f', tag], { allowFail: true });
  }
}

describe('slimts build SIGKILLed', () => {
  it('during the traced run: its container is gone within seconds', () => killDuring('run'), 180_000);
  it('during an exec probe: the traced container is gone within seconds', () => killDuring('exec'), 180_000);
  it('during the verify run: its container is gone within seconds', () => killDuring('verify'), 240_000);

  it('leftovers of an owner that is gone (its reaper killed too) are removed by the next run', async () => {
    const dead = spawnSync('true').pid!; // a pid that just ended
    const owner = `${hostname()}:${dead}`;
    const alive = `${hostname()}:${process.pid}`;
    const made = [owner, alive].map((o) => docker(['create', '--label', 'io.slimts.run=1', '--label', `io.slimts.owner=${o}`, BASE_IMAGE, 'true']).stdout.trim());
    const vol = docker(['volume', 'create', '--label', `io.slimts.owner=${owner}`]).stdout.trim();
    try {
      await removeOrphans();
      expect(docker(['inspect', made[0]!], { allowFail: true }).status).not.toBe(0);
      expect(docker(['volume', 'inspect', vol], { allowFail: true }).status).not.toBe(0);
      expect(docker(['inspect', made[1]!]).status).toBe(0); // a live owner's are not touched
    } finally {
      for (const id of made) docker(['rm', '-f', '-v', id], { allowFail: true });
      docker(['volume', 'rm', '-f', vol], { allowFail: true });
    }
  });
});
