// slimts build against podman's Docker API (Debian's podman 4.3, rootful, a service of the
// test's own): samples are copied into podman's image store, slimmed there with the default
// (engine-side) reader, verified, loaded back into podman, run by podman and compared with
// the original. The nginx layer written is byte for byte the one a build on dockerd writes;
// a non-root app keeps its HEALTHCHECK, which podman's Docker API does not show.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildReport } from '../../src/slim/index.js';
import { docker, SLIMTS, slimts, uniqueName } from '../helpers/docker.js';
import { startPodman, type Podman } from '../helpers/podman.js';
import { buildSample, ensureCli, metadataDiffs, sameAnswers, slim, type EngineAt, type Slimmed } from './e2e.js';

describe('slimts build on podman', () => {
  let image: string;
  let nonroot: string;
  const nonrootSlim = `${uniqueName('slimts-e2e/podman-nonroot')}:1`;
  let podman: Podman;
  let at: EngineAt;
  let dir: string;
  const tag = `${uniqueName('slimts-e2e/podman')}:1`;
  let r: ReturnType<typeof slimts>;
  let report: BuildReport;
  let onDocker: Slimmed;

  beforeAll(async () => {
    ensureCli();
    image = buildSample('nginx');
    nonroot = buildSample('nonroot-health');
    podman = await startPodman();
    at = { host: podman.host, address: '127.0.0.1' };
    podman.loadFromDocker(image);
    podman.loadFromDocker(nonroot);
    dir = mkdtempSync(join(tmpdir(), 'slimts-e2e-podman-'));
    mkdirSync(join(dir, 'tmp'));
    r = slimts(['build', image, '--tag', tag, '--report', join(dir, 'report.json')], { env: { DOCKER_HOST: podman.host, TMPDIR: join(dir, 'tmp') } });
    try {
      report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as BuildReport;
    } catch {
      // no report: the first test shows why
    }
    onDocker = slim(image);
  });
  afterAll(async () => {
    onDocker?.cleanup();
    await podman?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('builds with the engine-side reader and verifies', () => {
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/verify: the slim image answers like the original/);
    expect(report.verify.ok).toBe(true);
    expect(report.probes.filter((p) => !p.ok)).toEqual([]);
    // the default reader: no layer export, no "read" of the whole image
    expect(report.stages.index).toBeUndefined();
  });

  it('the slim image is in podman, runs there and answers like the original', async () => {
    expect(podman.podman(['image', 'exists', tag], { allowFail: true }).status).toBe(0);
    expect(docker(['image', 'inspect', tag], { allowFail: true }).status).not.toBe(0);
    const { results } = await sameAnswers(image, tag, 80, ['/', '/style.css', '/about.html', '/missing'], [], at);
    for (const x of results) {
      expect(x.b.status, x.path).toBe(x.a.status);
      if (x.a.status === 200) expect(x.b.body, x.path).toBe(x.a.body);
    }
  });

  it('keeps the metadata of every kept entry, and writes the layer dockerd\'s build writes', async () => {
    expect(await metadataDiffs(image, tag, at)).toEqual([]);
    expect(onDocker.status, onDocker.stderr).toBe(0);
    const layers = (host: string[], ref: string) => docker([...host, 'image', 'inspect', '-f', '{{json .RootFS.Layers}}', ref]).stdout.trim();
    expect(layers(['-H', podman.host], tag)).toBe(layers([], onDocker.tag));
  });

  it('a non-root app with a HEALTHCHECK and a VOLUME: probed with it, and the slim image keeps it', async () => {
    const x = slimts(['build', nonroot, '--tag', nonrootSlim, '--report', join(dir, 'nonroot.json')], { env: { DOCKER_HOST: podman.host, TMPDIR: join(dir, 'tmp') } });
    expect(x.status, x.stderr).toBe(0);
    const rep = JSON.parse(readFileSync(join(dir, 'nonroot.json'), 'utf8')) as BuildReport;
    expect(rep.verify.ok).toBe(true);
    // podman's Docker API hides the HEALTHCHECK: it came from podman's own
    expect(rep.probes.filter((p) => p.kind === 'healthcheck').map((p) => p.ok)).toEqual([true]);
    // as podman itself sees them (its Docker API shows no HEALTHCHECK of any image)
    const own = (ref: string) => podman.podman(['image', 'inspect', '--format', '{{json .Config}} {{json .HealthCheck}}', ref]).stdout.trim();
    expect(own(nonrootSlim)).toBe(own(nonroot));
    expect(own(nonroot)).toMatch(/"User":"app".*"\/home\/app\/data".*"Test":\["CMD","python3"/);
    const { results } = await sameAnswers(nonroot, nonrootSlim, 8080, ['/', '/health', '/missing'], [], at);
    for (const y of results) {
      expect(y.b.status, y.path).toBe(y.a.status);
      if (y.a.status === 200) expect(y.b.body, y.path).toBe(y.a.body);
    }
  });

  it('an image podman cannot start is a one-line error at once, not a hang', () => {
    // a VOLUME over a file: podman refuses the container when slimts attaches to it (before
    // start), the answer a machine without CAP_SYS_RESOURCE gets for podman's default ulimits
    const bad = `${uniqueName('slimts-e2e/podman-volfile')}:1`;
    writeFileSync(join(dir, 'Dockerfile'), `FROM localhost/${image}\nVOLUME /etc/nginx/nginx.conf\n`);
    podman.podman(['build', '--quiet', '--tag', bad, dir]);
    const x = spawnSync('node', [SLIMTS, 'build', bad, '--tag', `${bad}-slim`], {
      env: { ...process.env, DOCKER_HOST: podman.host, TMPDIR: join(dir, 'tmp') }, timeout: 120_000, encoding: 'utf8',
    });
    podman.podman(['rmi', '--force', bad]);
    expect(x.error?.message, 'slimts hung').toBeUndefined();
    expect(x.status).toBe(2);
    const last = x.stderr.trim().split('\n').pop()!;
    expect(last).toMatch(/^slimts: run: the engine answered 409: .*for attach: .*nginx\.conf/);
  });

  it('leaves no container, volume, image or temp dir in podman', () => {
    expect(podman.podman(['ps', '--all', '--quiet']).stdout.trim()).toBe('');
    expect(podman.podman(['volume', 'ls', '--quiet']).stdout.trim()).toBe('');
    const images = podman.podman(['images', '--all', '--format', '{{.Repository}}:{{.Tag}}']).stdout.trim().split('\n').sort();
    expect(images).toEqual([`localhost/${image}`, `localhost/${nonroot}`, `localhost/${nonrootSlim}`, `localhost/${tag}`].sort());
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  });

  it('the test\'s podman leaves nothing on the machine once stopped', async () => {
    await podman.stop();
    expect(podman.leftovers()).toEqual([]);
  });
});
