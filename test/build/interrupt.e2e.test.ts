// Ctrl-C during the traced run: exit 130, no container, no output tag, no temp dirs.
import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { docker, SLIMTS, uniqueName } from '../helpers/docker.js';
import { buildSample, ensureCli } from './e2e.js';

const runContainers = () => docker(['ps', '-aq', '--no-trunc', '--filter', 'label=io.slimts.run']).stdout.split('\n').filter(Boolean);

describe('slimts build interrupted', () => {
  beforeAll(() => ensureCli());

  it('SIGINT while the app runs removes everything it made', async () => {
    const image = buildSample('nginx');
    const tag = `${uniqueName('slimts-e2e/int')}:1`;
    const before = new Set(runContainers()); // parallel tests may have their own
    const child = spawn('node', [SLIMTS, 'build', image, '--tag', tag, '--continue-after', 'timeout:60'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    const running = new Promise<void>((resolve) => {
      child.stderr.on('data', (c: Buffer) => {
        err += c.toString();
        if (/the app is running/.test(err)) resolve();
      });
    });
    await running;
    const mine = runContainers().filter((id) => !before.has(id));
    expect(mine.length).toBeGreaterThan(0); // the traced container exists now
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(130);
    // only containers of this run were ours; others may belong to parallel tests
    for (const id of mine) expect(docker(['inspect', id], { allowFail: true }).status).not.toBe(0);
    expect(docker(['image', 'inspect', tag], { allowFail: true }).status).not.toBe(0);
    expect(err).not.toMatch(/at .*\.js:\d+/); // no stack trace
  }, 120_000);
});
