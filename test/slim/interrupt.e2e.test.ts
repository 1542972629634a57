// Ctrl-C during the traced run: exit 130, its container removed, no output tag, no stack trace.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { docker, SLIMTS, uniqueName } from '../helpers/docker.js';
import { buildSample, ensureCli } from './e2e.js';

// the controller names its containers slimts-run-<pid>-…: those of our child process
const runContainers = (pid: number) =>
  docker(['ps', '-aq', '--no-trunc', '--filter', 'label=io.slimts.run', '--filter', `name=slimts-run-${pid}-`]).stdout.split('\n').filter(Boolean);

/** Starts `slimts build ARGS` (stderr piped); resolves once its stderr matched `until`, with what it said so far. */
function buildUntil(args: string[], until: RegExp, stdout: 'pipe' | 'ignore' = 'pipe') {
  const child = spawn('node', [SLIMTS, 'build', ...args], { stdio: ['ignore', stdout, 'pipe'] }) as ChildProcessByStdio<null, Readable | null, Readable>;
  const said = { err: '' };
  const reached = new Promise<void>((resolve) => {
    child.stderr.on('data', (c: Buffer) => {
      said.err += c.toString();
      if (until.test(said.err)) resolve();
    });
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  return { child, said, reached, exited };
}

describe('slimts build interrupted', () => {
  beforeAll(() => ensureCli());

  it('SIGINT while the app runs removes everything it made', async () => {
    const image = buildSample('nginx');
    const tag = `${uniqueName('slimts-e2e/int')}:1`;
    const { child, said, reached, exited } = buildUntil([image, '--tag', tag, '--continue-after', 'timeout:60'], /the app is running/);
    await reached;
    const mine = runContainers(child.pid!);
    expect(mine.length).toBeGreaterThan(0); // the traced container exists now
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    for (const id of mine) expect(docker(['inspect', id], { allowFail: true }).status).not.toBe(0);
    expect(runContainers(child.pid!)).toEqual([]);
    expect(docker(['image', 'inspect', tag], { allowFail: true }).status).not.toBe(0);
    expect(said.err).not.toMatch(/at .*\.js:\d+/); // no stack trace
  }, 120_000);
});

describe('slimts build interrupted during verify', () => {
  it('SIGINT while the slim image is verified removes the unverified output tag and says nothing after "cleaning up"', async () => {
    ensureCli();
    const image = buildSample('nginx');
    const tag = `${uniqueName('slimts-e2e/int-verify')}:1`;
    // each run (traced, verify) lasts 8 s: time to interrupt the verify run
    const { child, said, reached, exited } = buildUntil([image, '--tag', tag, '--continue-after', 'timeout:8', '--report', '/dev/null'], /slimts: verify\.\.\./);
    await reached;
    // the verify run's container is up (the traced run's is gone by now)
    for (let i = 0; i < 100 && runContainers(child.pid!).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(runContainers(child.pid!).length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1000)); // started, not merely created
    expect(docker(['image', 'inspect', tag], { allowFail: true }).status).toBe(0); // loaded, not yet verified
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(docker(['image', 'inspect', tag], { allowFail: true }).status).not.toBe(0);
    expect(runContainers(child.pid!)).toEqual([]);
    expect(said.err.slice(said.err.indexOf('cleaning up'))).toBe('cleaning up...\n');
  }, 120_000);
});

describe('slimts build whose reader goes away', () => {
  it('a closed stderr pipe (`slimts build … 2>&1 | head -3`) ends it as SIGPIPE would, after removing everything it made', async () => {
    ensureCli();
    const image = buildSample('nginx');
    const tag = `${uniqueName('slimts-e2e/int-pipe')}:1`;
    const { child, reached, exited } = buildUntil([image, '--tag', tag, '--continue-after', 'timeout:8', '--report', '/dev/null'], /the app is running/, 'ignore');
    await reached;
    const mine = runContainers(child.pid!);
    expect(mine.length).toBeGreaterThan(0);
    child.stderr.destroy(); // the reader is gone: the run's next note meets a closed pipe
    expect(await exited).toBe(141);
    for (const id of mine) expect(docker(['inspect', id], { allowFail: true }).status).not.toBe(0);
    expect(runContainers(child.pid!)).toEqual([]);
    expect(docker(['image', 'inspect', tag], { allowFail: true }).status).not.toBe(0);
  }, 120_000);
});
