// slimts build against a remote engine: this machine's engine reached only over TCP, through a
// forwarder on 127.0.0.2 (DOCKER_HOST=tcp://127.0.0.2:PORT). Nothing is shared with it but the
// socket: no host path, no temp dir, and its published ports live at DOCKER_HOST's address
// (127.0.0.2, where nothing reaches a port published on 127.0.0.1). With the default reader.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildReport } from '../../src/slim/index.js';
import { docker, slimts, uniqueName } from '../helpers/docker.js';
import { startEngineProxy, type EngineProxy } from '../helpers/engine-proxy.mjs';
import { buildSample, ensureCli, imageSize, metadataDiffs, sameAnswers, type EngineAt } from './e2e.js';

describe('slimts build over a tcp:// engine', () => {
  let image: string;
  let proxy: EngineProxy;
  let at: EngineAt;
  let dir: string;
  const tag = `${uniqueName('slimts-e2e/remote')}:1`;
  let r: ReturnType<typeof slimts>;
  let report: BuildReport;
  let stats: { bytes: number; names: string[] };

  beforeAll(async () => {
    ensureCli();
    image = buildSample('nginx');
    proxy = await startEngineProxy('127.0.0.2:0');
    at = { host: proxy.host, address: '127.0.0.2' };
    dir = mkdtempSync(join(tmpdir(), 'slimts-e2e-remote-'));
    // the build's own temp dirs go here: it must leave none
    mkdirSync(join(dir, 'tmp'));
    r = slimts(['build', image, '--tag', tag, '--report', join(dir, 'report.json')], { env: { DOCKER_HOST: proxy.host, TMPDIR: join(dir, 'tmp') } });
    report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as BuildReport;
    stats = await proxy.stats();
  });
  afterAll(async () => {
    docker(['rmi', '-f', tag], { allowFail: true });
    await proxy?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds, probes the app at the engine host and verifies', () => {
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/verify: the slim image answers like the original/);
    // the ports were published on 127.0.0.2 only: each of these answers came from there
    expect(report.probes.length).toBeGreaterThan(1);
    expect(report.probes.filter((p) => !p.ok)).toEqual([]);
    expect(report.verify.ok).toBe(true);
  });

  it('the slim image runs from the remote engine and answers like the original', async () => {
    const { results } = await sameAnswers(image, tag, 80, ['/', '/style.css', '/missing'], [], at);
    for (const x of results) {
      expect(x.b.status, x.path).toBe(x.a.status);
      if (x.a.status === 200) expect(x.b.body, x.path).toBe(x.a.body);
    }
    expect(await metadataDiffs(image, tag, at)).toEqual([]);
  });

  it('only about the kept bytes crossed the socket, not the image', () => {
    // what comes back: the walk, the kept files, the traced and verify runs' answers
    expect(stats.bytes).toBeLessThan(imageSize(image) / 4);
    expect(stats.bytes).toBeGreaterThan(report.output.bytes);
  });

  it('leaves no container, and no temp dir', () => {
    // the walk's container and the traced and verify runs' containers, all created through the socket
    expect(stats.names.filter((n) => n.startsWith('slimts-walk-')).length).toBeGreaterThanOrEqual(1);
    expect(stats.names.filter((n) => n.startsWith('slimts-run-')).length).toBeGreaterThanOrEqual(2);
    const left = stats.names.filter((n) => docker(['container', 'inspect', n], { allowFail: true }).status === 0);
    expect(left).toEqual([]);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  });
});
