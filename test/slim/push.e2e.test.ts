// --push: both commands send their image to a real registry on loopback instead of the engine.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, slimts, uniqueName } from '../helpers/docker.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { buildHello } from '../oci/fixtures.js';
import { buildSample, CONFIG_FIELDS, configOf, ensureCli } from './e2e.js';

let registry: TestRegistry;
let work: string;
const pulled: string[] = [];

const skopeoConfig = (ref: string) =>
  JSON.parse(execFileSync('skopeo', ['inspect', '--config', '--tls-verify=false', `docker://${ref}`], { encoding: 'utf8' })) as { config: Record<string, unknown> };

beforeAll(async () => {
  ensureCli();
  work = mkdtempSync(join(tmpdir(), 'slimts-push-'));
  registry = await startRegistry();
});

afterAll(async () => {
  for (const t of pulled) docker(['rmi', '-f', t], { allowFail: true });
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('--push', () => {
  it('imagebuild pushes an image the engine pulls and runs', () => {
    const hello = buildHello(work, 'pushed hello');
    const ref = `${registry.host}/slimts/${uniqueName('hello')}:1`;
    const r = slimts(['imagebuild', '--exe', hello, '--push', ref]);
    expect(r.status, r.stderr).toBe(0);
    docker(['pull', '-q', ref]);
    pulled.push(ref);
    expect(docker(['run', '--rm', ref]).stdout).toBe('pushed hello\n');
  });

  it('build pushes the verified slim image with the original config', () => {
    const image = buildSample('nginx');
    const ref = `${registry.host}/slimts/${uniqueName('nginx')}.slim:1`;
    const r = slimts(['build', image, '--push', ref, '--report', join(work, 'report.json')]);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('the slim image answers like the original');
    const pushed = skopeoConfig(ref).config;
    const original = configOf(image);
    for (const f of CONFIG_FIELDS) expect(pushed[f] ?? null, f).toEqual(original[f] ?? null);
    // verify loaded the image under a throwaway tag only, removed after (other tests' builds may
    // hold their own slimts-verify/* tags meanwhile: only this image's id counts)
    const manifest = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`], { encoding: 'utf8' })) as { config: { digest: string } };
    expect(docker(['images', '-q', '--no-trunc', 'slimts-verify/*']).stdout.split('\n')).not.toContain(manifest.config.digest);
  });

  it('--push with --output is one-line bad input', () => {
    const r = slimts(['imagebuild', '--exe', join(work, 'hello'), '--push', `${registry.host}/x:1`, '--output', join(work, 'x.tar')]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('slimts: --output and --push are exclusive: choose one destination');
  });
});
