import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectImage } from '../../src/image/engine-config.js';
import type { ImageConfig } from '../../src/image/types.js';
import { compareRuns, runPlain, runTraced } from '../../src/run/index.js';
import { UserError } from '../../src/util/errors.js';
import { BASE_IMAGE } from '../helpers/docker.js';
import { buildSamples, leftovers, testLabel, testSensor, type TestSensor } from './sensor.js';

let sensor: TestSensor;
let base: ImageConfig;

beforeAll(async () => {
  sensor = testSensor();
  buildSamples('nginx', 'batch', 'nonroot-health');
  base = (await inspectImage(BASE_IMAGE)).config;
});
afterAll(() => sensor?.dispose());

/** The base image config with extra exposed ports (so probing applies). */
function withPorts(...ports: number[]): ImageConfig {
  return { ...base, config: { ...base.config, ExposedPorts: Object.fromEntries(ports.map((p) => [`${p}/tcp`, {}])) } };
}

describe('runTraced', () => {
  it('nginx: probes / and the crawled pages, collects the trace, leaves nothing', async () => {
    const labels = testLabel();
    const img = await inspectImage('slimts-sample/nginx:1');
    const r = await runTraced({ image: img.ref, config: img.config, labels, sensor: { path: sensor.path } });
    try {
      const targets = r.probes.filter((p) => p.ok).map((p) => p.target);
      expect(targets).toContain('tcp:80');
      expect(targets).toContain('GET http://:80/');
      expect(targets).toContain('GET http://:80/about.html');
      expect(targets).toContain('GET http://:80/style.css');
      expect(r.exitedByItself).toBe(false);
      expect(r.killed).toBe(false);
      expect(r.trace.complete).toBe(true);
      const trace = readFileSync(r.trace.main!, 'utf8');
      expect(trace).toMatch(/^#slimts-trace 1 /);
      expect(trace).toContain('/var/www/html/about.html');
      // this engine's bridge is routed here: the port was not published, the container's own address was probed
      expect(r.ports[0]).toMatchObject({ containerPort: 80, hostPort: 80, proxied: false });
      expect(r.ports[0]!.host).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(r.ports[0]!.host).not.toMatch(/^127\./);
    } finally {
      await r.dispose();
    }
    expect(leftovers(labels)).toEqual([]);
  });

  it('batch: continues after exit, captures exit code and stdout', async () => {
    const labels = testLabel();
    const img = await inspectImage('slimts-sample/batch:1');
    const r = await runTraced({ image: img.ref, config: img.config, labels, sensor: { path: sensor.path } });
    try {
      expect(r.exitCode).toBe(0);
      expect(r.exitedByItself).toBe(true);
      expect(r.stdout).toContain('sum: 75');
      expect(r.stdout).toContain('lines: 3 words: 12');
      expect(r.probes).toEqual([]);
      expect(r.trace.complete).toBe(true);
      expect(readFileSync(r.trace.main!, 'utf8')).toContain('/data/numbers.dat');
    } finally {
      await r.dispose();
    }
    expect(leftovers(labels)).toEqual([]);
  });

  it('nonroot-health: runs as the image user, health check traced via exec and docker', async () => {
    const labels = testLabel();
    const img = await inspectImage('slimts-sample/nonroot-health:1');
    const r = await runTraced({ image: img.ref, config: img.config, labels, sensor: { path: sensor.path }, continueAfter: { mode: 'timeout', seconds: 10 }, probes: { exec: ['id -u'] } });
    try {
      const root = r.probes.find((p) => p.target === 'GET http://:8080/');
      expect(root?.status).toBe(200);
      expect(r.probes.find((p) => p.kind === 'healthcheck')).toMatchObject({ ok: true, status: 0 });
      // exec'd probes run as the image's USER too (the sensor drops to it)
      expect(r.probes.find((p) => p.target === 'exec:/bin/sh -c id -u')?.bodyHash).toBe(createHash('sha256').update('1000\n').digest('hex'));
      expect(r.trace.parts.length).toBeGreaterThan(0); // exec'd health check wrote FILE.<pid>.done
      expect(r.health?.status).toBe('healthy');
    } finally {
      await r.dispose();
    }
    expect(leftovers(labels)).toEqual([]);
  });

  it('a port that never opens: a warning naming the port after --probe-wait, not a failure; nothing left', async () => {
    const labels = testLabel();
    const r = await runTraced({
      image: BASE_IMAGE,
      labels,
      config: withPorts(9999),
      overrides: { cmd: ['sleep', '300'] },
      sensor: { path: sensor.path },
      probes: { probeWait: 2 },
      stopTimeout: 1,
    });
    try {
      expect(r.warnings.join('\n')).toMatch(/port 9999 is EXPOSEd but the app did not listen on it within 2 s/);
      expect(r.probes).toEqual([]);
    } finally {
      await r.dispose();
    }
    expect(leftovers(labels)).toEqual([]);
  });

  it('an app exiting non-zero at once: an error with its exit code and last log lines', async () => {
    const labels = testLabel();
    const run = runTraced({
      image: BASE_IMAGE,
      labels,
      config: withPorts(8080),
      overrides: { cmd: ['sh', '-c', 'echo starting; echo "fatal: no config" >&2; exit 3'] },
      sensor: { path: sensor.path },
    });
    const err = await run.catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message.split('\n')[0]).toBe('the app exited with code 3 right after it started: fatal: no config');
    // both lines shown; their order is the engine's (two pipes)
    expect(err.message).toContain('  | starting');
    expect(err.message).toContain('  | fatal: no config');
    expect(leftovers(labels)).toEqual([]);
  });

  it('an app ignoring SIGTERM is killed after the grace period (noted, not an error)', async () => {
    const labels = testLabel();
    const t0 = Date.now();
    const r = await runTraced({
      image: BASE_IMAGE,
      labels,
      config: base,
      overrides: { cmd: ['sh', '-c', 'trap "" TERM; while :; do sleep 0.2; done'] },
      sensor: { path: sensor.path },
      continueAfter: { mode: 'timeout', seconds: 1 },
      stopTimeout: 2,
    });
    try {
      expect(r.killed).toBe(true);
      expect(r.warnings.join('\n')).toMatch(/ignored SIGTERM for 2 s/);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(3000);
    } finally {
      await r.dispose();
    }
    expect(leftovers(labels)).toEqual([]);
  });
});

describe('runPlain + compareRuns', () => {
  it('replays the traced probes against the same image with no regressions', async () => {
    const labels = testLabel();
    const img = await inspectImage('slimts-sample/nginx:1');
    const traced = await runTraced({ image: img.ref, config: img.config, labels, sensor: { path: sensor.path } });
    await traced.dispose();
    const plain = await runPlain({ image: img.ref, config: img.config, labels, probes: { replay: traced.probes } });
    expect(plain.probes.map((p) => p.target).sort()).toEqual(traced.probes.map((p) => p.target).sort());
    expect(compareRuns(traced, plain)).toEqual([]);
    expect(leftovers(labels)).toEqual([]);
  });

  it('batch: same exit code and stdout; a broken command is a regression', async () => {
    const labels = testLabel();
    const img = await inspectImage('slimts-sample/batch:1');
    const a = await runPlain({ image: img.ref, config: img.config, labels });
    const b = await runPlain({ image: img.ref, config: img.config, labels });
    expect(compareRuns(a, b)).toEqual([]);
    const broken = await runPlain({ image: img.ref, config: img.config, labels, overrides: { cmd: ['/nope'] }, allowNonZeroExit: true });
    const regs = compareRuns(a, broken).map((x) => x.target);
    expect(regs).toContain('exit-code');
    expect(regs).toContain('stdout');
    expect(leftovers(labels)).toEqual([]);
  });
});
