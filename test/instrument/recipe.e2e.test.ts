// The README's "Slim with your own tests" recipe, run as written (extracted from README.md,
// with its compose file) on a checkout of samples/observe: build → instrument → the sample's
// own suite against the instrumented service under compose → build --observations → the same
// suite against the slim image → push to a loopback registry. `docker compose` is Debian's
// docker-compose behind a PATH shim.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, docker, uniqueName } from '../helpers/docker.js';
import { freePort, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { ensureCli } from '../slim/e2e.js';

function block(marker: string, lang: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const m = new RegExp(`<!-- ci-recipe:${marker} -->\\s*\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!m) throw new Error(`README.md has no ci-recipe:${marker} block`);
  return m[1]!;
}

const work = mkdtempSync(join(tmpdir(), 'slimts-recipe-'));
const binDir = join(work, 'bin');
const APP_BASE = 'slimts-observe/app:1';

describe('the README recipe: slim with your own tests', () => {
  let registry: TestRegistry;
  const app = uniqueName('slimts-observe-ci');
  const images: string[] = [];

  beforeAll(async () => {
    ensureCli();
    spawnSync('bash', [join(ROOT, 'samples/build-image.sh'), APP_BASE, join(ROOT, 'samples/observe')], { stdio: 'inherit' });
    mkdirSync(binDir);
    writeFileSync(join(binDir, 'slimts'), `#!/bin/sh\nexec node '${join(ROOT, 'bin', 'slimts.js')}' "$@"\n`);
    const realDocker = spawnSync('sh', ['-c', 'command -v docker']).stdout.toString().trim();
    writeFileSync(join(binDir, 'docker'), `#!/bin/sh\nif [ "$1" = compose ]; then shift; exec docker-compose "$@"; fi\nexec '${realDocker}' "$@"\n`);
    for (const f of ['slimts', 'docker']) chmodSync(join(binDir, f), 0o755);
    registry = await startRegistry();
  });

  afterAll(async () => {
    for (const i of images) docker(['rmi', '-f', i], { allowFail: true });
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('the slim image built from the suite\'s observations passes the suite and is pushed', async () => {
    const dir = join(work, 'checkout');
    mkdirSync(dir);
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${APP_BASE}\n`); // the app's own Dockerfile, without network here
    copyFileSync(join(ROOT, 'samples/observe/e2e.sh'), join(dir, 'e2e.sh'));
    chmodSync(join(dir, 'e2e.sh'), 0o755);
    writeFileSync(join(dir, 'compose.e2e.yml'), block('observations-compose', 'yaml'));
    const port = await freePort();
    images.push(`${app}:1`, `${app}:1-instrumented`, `${app}:1-slim`, `${registry.host}/${app}:1`);
    const r = spawnSync('bash', ['-c', block('observations', 'sh')], {
      cwd: dir,
      env: { ...process.env, APP: app, TAG: '1', REGISTRY: registry.host, PORT: String(port), CI: 'true', PATH: `${binDir}:${process.env.PATH}`, COMPOSE_PROJECT_NAME: app.replace(/[^a-z0-9]/g, '') },
      maxBuffer: 64 << 20,
    });
    const out = `${r.stdout}${r.stderr}`;
    spawnSync(join(binDir, 'docker'), ['compose', '-f', join(dir, 'compose.e2e.yml'), 'down', '-t', '1'], { cwd: dir, env: { ...process.env, APP_IMAGE: 'x', PORT: String(port), COMPOSE_PROJECT_NAME: app.replace(/[^a-z0-9]/g, '') } });
    expect(r.status, out).toBe(0);
    expect(out).not.toMatch(/\n\s+at /);
    expect(out.match(/e2e: all routes answer/g)).toHaveLength(2);
    expect(out).toMatch(/observations: 1 runs read, [1-9]\d* entries kept only because they were observed/);
    expect(readdirSync(join(dir, 'obs')).filter((f) => f.endsWith('.slimobs'))).toHaveLength(1);
    expect(spawnSync('skopeo', ['inspect', '--tls-verify=false', `docker://${registry.host}/${app}:1`]).status).toBe(0);
  });
});
