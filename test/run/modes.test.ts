// Continue-after modes, the overall timeout, run-only mounts.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectImage } from '../../src/image/engine-config.js';
import type { ImageConfig } from '../../src/image/types.js';
import { runPlain, runTraced } from '../../src/run/index.js';
import { UserError } from '../../src/util/errors.js';
import { BASE_IMAGE } from '../helpers/docker.js';
import { leftovers, testLabel, testSensor, type TestSensor } from './sensor.js';

let sensor: TestSensor;
let base: ImageConfig;
beforeAll(async () => {
  sensor = testSensor();
  base = (await inspectImage(BASE_IMAGE)).config;
});
afterAll(() => sensor?.dispose());

describe('continue-after and limits', () => {
  it('signal: stops when this process gets SIGUSR1', async () => {
    const labels = testLabel();
    const run = runTraced({
      image: BASE_IMAGE,
      config: base,
      labels,
      overrides: { cmd: ['sh', '-c', 'echo up; exec sleep 300'] },
      sensor: { path: sensor.path },
      continueAfter: { mode: 'signal' },
      stopTimeout: 2,
      onProgress: (e) => {
        if (e.message.includes('SIGUSR1')) setTimeout(() => process.kill(process.pid, 'SIGUSR1'), 500);
      },
    });
    const r = await run;
    try {
      expect(r.exitedByItself).toBe(false);
      expect(r.stdout).toBe('up\n');
      expect(r.trace.complete).toBe(true);
    } finally {
      await r.dispose();
    }
    expect(leftovers(labels)).toEqual([]);
  });

  it('exit: an app that never exits hits --timeout with a clear error and is removed', async () => {
    const labels = testLabel();
    const t0 = Date.now();
    const err = await runTraced({
      image: BASE_IMAGE,
      config: base,
      labels,
      overrides: { cmd: ['sh', '-c', 'echo waiting forever; exec sleep 300'] },
      sensor: { path: sensor.path },
      timeout: 2,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message.split('\n')[0]).toBe('the run did not finish within 2 s (--timeout): waiting forever');
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(leftovers(labels)).toEqual([]);
  });

  it('an AbortSignal stops the run and removes the container', async () => {
    const labels = testLabel();
    const ac = new AbortController();
    const run = runPlain({
      image: BASE_IMAGE,
      config: base,
      labels,
      overrides: { cmd: ['sleep', '300'] },
      signal: ac.signal,
      onProgress: (e) => {
        if (e.phase === 'ready') ac.abort(new Error('stop now'));
      },
    });
    await expect(run).rejects.toThrow('stop now');
    expect(leftovers(labels)).toEqual([]);
  });

  it('a named volume from --mount that did not exist is removed afterwards', async () => {
    const labels = testLabel();
    const vol = `slimts-test-${labels['io.slimts.test']}`;
    let seen = '';
    const r = await runPlain({
      image: BASE_IMAGE,
      config: base,
      labels,
      overrides: { cmd: ['sh', '-c', 'echo hi > /data/x && cat /data/x && ls /scratch'], mounts: [`type=volume,src=${vol},dst=/data`, 'type=tmpfs,dst=/scratch'] },
      onProgress: (e) => {
        if (e.phase === 'start') seen = execFileSync('docker', ['volume', 'ls', '-q', '--filter', 'label=io.slimts.run=1', '--filter', `name=${vol}`]).toString().trim();
      },
    });
    expect(seen).toBe(vol);
    expect(r.stdout).toBe('hi\n');
    expect(execFileSync('docker', ['volume', 'ls', '-q', '--filter', `name=${vol}`]).toString().trim()).toBe('');
    expect(leftovers(labels)).toEqual([]);
  });

  it('an image that does not exist is a UserError', async () => {
    await expect(inspectImage('slimts-test/does-not-exist:0')).rejects.toThrow(/image "slimts-test\/does-not-exist:0" not found; use --pull to pull it/);
  });
});
