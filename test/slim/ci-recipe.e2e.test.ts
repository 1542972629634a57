// The README's CI recipes, run as written (extracted from README.md) against a loopback
// registry: build → slimts build → slimts xray --ci → push. What lands in the registry is
// pulled and must answer like the original; a failing gate must stop the push. Also the
// docker CLI plugin, installed the README's way.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, docker, uniqueName } from '../helpers/docker.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { buildSample, ensureCli, sameAnswers } from './e2e.js';

/** The ```sh block after `<!-- ci-recipe:NAME -->` in the README. */
function recipe(name: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const m = new RegExp(`<!-- ci-recipe:${name} -->\\s*\`\`\`sh\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!m) throw new Error(`README.md has no ci-recipe:${name} block`);
  return m[1]!;
}

const work = mkdtempSync(join(tmpdir(), 'slimts-ci-'));
const binDir = join(work, 'bin');
const pidLog = join(work, 'slimts.pids');

/** Pids of the slimts processes the recipes ran (the PATH shim execs slimts under its own pid). */
function slimtsPids(): number[] {
  return existsSync(pidLog) ? readFileSync(pidLog, 'utf8').split('\n').filter(Boolean).map(Number) : [];
}

/** Containers, volumes and images those processes left in the engine (by owner label and throwaway name). */
function leftovers(pids: number[]): string[] {
  const left: string[] = [];
  for (const pid of pids) {
    const owner = ['--filter', `label=io.slimts.owner=${hostname()}:${pid}`];
    left.push(...docker(['ps', '-aq', ...owner]).stdout.split('\n').filter(Boolean).map((c) => `container ${c}`));
    left.push(...docker(['volume', 'ls', '-q', ...owner]).stdout.split('\n').filter(Boolean).map((v) => `volume ${v}`));
    left.push(...docker(['images', '-aq', ...owner]).stdout.split('\n').filter(Boolean).map((i) => `image ${i}`));
    const tags = docker(['images', '--format', '{{.Repository}}:{{.Tag}}']).stdout.split('\n');
    left.push(...tags.filter((t) => new RegExp(`^slimts-(input|verify)/${pid}-`).test(t)));
  }
  return left;
}

function run(script: string, cwd: string, env: Record<string, string>) {
  const r = spawnSync('bash', ['-c', script], {
    cwd,
    env: { ...process.env, ...env, CI: 'true', PATH: `${binDir}:${process.env.PATH}` },
    maxBuffer: 64 << 20,
  });
  return { status: r.status ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

const inRegistry = (ref: string) => spawnSync('skopeo', ['inspect', '--tls-verify=false', `docker://${ref}`]).status === 0;

/** A pipeline's checkout: a Dockerfile on top of the nginx sample (no network needed to build it). */
function checkout(name: string, extraFiles: Record<string, string> = {}): string {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'Dockerfile'), `FROM ${buildSample('nginx')}\nCOPY release.txt /var/www/html/release.txt\n`);
  writeFileSync(join(dir, 'release.txt'), `${name}\n`);
  for (const [f, text] of Object.entries(extraFiles)) writeFileSync(join(dir, f), text);
  return dir;
}

describe('the README CI recipes', () => {
  let registry: TestRegistry;
  const app = uniqueName('slimts-ci');
  const images: string[] = [];

  beforeAll(async () => {
    ensureCli();
    mkdirSync(binDir);
    writeFileSync(join(binDir, 'slimts'), `#!/bin/sh\necho $$ >> '${pidLog}'\nexec node '${join(ROOT, 'bin', 'slimts.js')}' "$@"\n`);
    chmodSync(join(binDir, 'slimts'), 0o755);
    registry = await startRegistry();
  });

  afterAll(async () => {
    for (const i of images) docker(['rmi', '-f', i], { allowFail: true });
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('with an engine: the pushed slim image answers like the original; a failing gate pushes nothing', async () => {
    const dir = checkout('engine');
    const env = { APP: app, TAG: '1', REGISTRY: registry.host };
    const pushed = `${registry.host}/${app}:1`;
    images.push(`${app}:1`, `${app}:1-slim`, pushed);
    const r = run(recipe('engine'), dir, env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace anywhere
    expect(inRegistry(pushed)).toBe(true);

    // what the registry holds is the slim image, and it works
    docker(['rmi', pushed]);
    docker(['pull', '-q', pushed]);
    expect(docker(['image', 'inspect', '-f', '{{.Id}}', pushed]).stdout).toBe(docker(['image', 'inspect', '-f', '{{.Id}}', `${app}:1-slim`]).stdout);
    const { results } = await sameAnswers(`${app}:1`, pushed, 80, ['/', '/about.html', '/style.css', '/no-such-page']);
    for (const { path, a, b } of results) {
      expect({ path, status: b.status, body: b.body }).toEqual({ path, status: a.status, body: a.body });
    }

    // the same pipeline with a size rule the slim image breaks: xray --ci exits 1, no push
    const strict = checkout('strict', { '.dive-ci': 'rules:\n  max-size: 1MB\n' });
    const env2 = { APP: app, TAG: '2', REGISTRY: registry.host };
    images.push(`${app}:2`, `${app}:2-slim`);
    const f = run(recipe('engine'), strict, env2);
    expect(f.status).toBe(1);
    expect(f.stderr).toMatch(/FAIL max-size/);
    expect(inRegistry(`${registry.host}/${app}:2`)).toBe(false);
    expect(leftovers(slimtsPids())).toEqual([]);
  });

  it('from an OCI archive: app.slim.tar is written beside it, gated and copied; nothing is left in the engine', async () => {
    const dir = checkout('archive');
    const image = `${app}:src`;
    images.push(image);
    docker(['build', '-q', '-t', image, dir]);
    expect(spawnSync('skopeo', ['copy', '-q', `docker-daemon:${image}`, `oci-archive:${join(dir, 'app.tar')}`]).status).toBe(0);
    const ran = new Set(slimtsPids());

    // the loopback registry speaks plain http
    const r = run(recipe('archive'), dir, { APP: app, TAG: '3', REGISTRY: registry.host, SKOPEO_OPTS: '--dest-tls-verify=false' });
    expect(r.status, r.stderr).toBe(0);
    const pushed = `${registry.host}/${app}:3`;
    expect(inRegistry(pushed)).toBe(true);
    // the throwaway input image and the verify tag are gone
    const pids = slimtsPids().filter((p) => !ran.has(p));
    expect(pids).toHaveLength(2); // build and xray
    expect(leftovers(pids)).toEqual([]);

    images.push(pushed);
    docker(['pull', '-q', pushed]);
    const { results } = await sameAnswers(image, pushed, 80, ['/', '/about.html', '/no-such-page']);
    for (const { path, a, b } of results) expect({ path, status: b.status }).toEqual({ path, status: a.status });
  });

  it('the docker CLI plugin: listed by the CLI, `docker slimts` is slimts with its exit codes', () => {
    const config = join(work, 'docker-config');
    // the README's one-line install, with HOME's .docker replaced by a private DOCKER_CONFIG
    const install = /^mkdir -p ~\/\.docker\/cli-plugins && ln -sf .*$/m.exec(readFileSync(join(ROOT, 'README.md'), 'utf8'))![0]!.replaceAll('~/.docker', '"$DOCKER_CONFIG"');
    expect(run(install, ROOT, { DOCKER_CONFIG: config }).status).toBe(0);
    const info = run('docker info --format "{{json .ClientInfo.Plugins}}"', work, { DOCKER_CONFIG: config });
    const plugins = JSON.parse(info.stdout) as Array<{ Name: string; Vendor: string; Err?: string }>;
    expect(plugins.find((p) => p.Name === 'slimts')).toMatchObject({ Name: 'slimts', Vendor: 'slimts' });
    expect(plugins.find((p) => p.Name === 'slimts')?.Err).toBeUndefined();

    const help = run('docker slimts build --help', work, { DOCKER_CONFIG: config });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/oci-archive:PATH/);
    const bad = run('docker slimts build nginx --tag "bad tag!!"', work, { DOCKER_CONFIG: config });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^slimts: --tag: invalid image name "bad tag!!"/);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});
