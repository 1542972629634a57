// Ctrl-C or a hang-up mid-run: the cleanup registry removes the container and the process exits 130 / 129.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BASE_IMAGE, ROOT } from '../helpers/docker.js';
import { leftovers, testLabel, testSensor, type TestSensor } from './sensor.js';

let dir: string;
let child: ChildProcess | undefined;
const labels = testLabel();
let sensor: TestSensor;

beforeAll(() => {
  sensor = testSensor();
  // A child node process needs JavaScript: compile the sources (type errors elsewhere do not block emit).
  dir = mkdtempSync(join(tmpdir(), 'slimts-interrupt-'));
  try {
    execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', join(ROOT, 'tsconfig.json'), '--outDir', join(dir, 'dist')], { stdio: 'ignore' });
  } catch {
    /* emitted anyway */
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  writeFileSync(
    join(dir, 'child.js'),
    `import { inspectImage } from './dist/image/engine-config.js';
import { runTraced } from './dist/run/controller.js';
const img = await inspectImage(${JSON.stringify(BASE_IMAGE)});
await runTraced({ image: img.ref, config: img.config, labels: ${JSON.stringify(labels)}, overrides: { cmd: ['sleep', '300'] }, sensor: { path: ${JSON.stringify(sensor.path)} },
  continueAfter: { mode: 'timeout', seconds: 300 }, onProgress: (e) => { if (e.phase === 'ready') console.log('READY'); } });
console.log('FINISHED');
`,
  );
});
afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  // a failed test must not leave the child's container behind either
  for (const id of leftovers(labels)) execFileSync('docker', ['rm', '-f', '-v', id], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
  sensor?.dispose();
});

async function interruptWith(signal: NodeJS.Signals, code: number): Promise<void> {
  const proc = spawn('node', [join(dir, 'child.js')], { stdio: ['ignore', 'pipe', 'pipe'] });
  child = proc;
  let out = '';
  let err = '';
  proc.stderr.on('data', (c) => (err += c));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`child never got ready: ${err}`)), 60_000);
    proc.stdout.on('data', (c) => {
      out += c;
      if (out.includes('READY')) {
        clearTimeout(t);
        resolve();
      }
    });
    proc.on('exit', () => reject(new Error(`child exited early: ${out}${err}`)));
  });
  expect(leftovers(labels).length).toBe(1);
  proc.kill(signal);
  const exit = await new Promise<number | null>((resolve) => proc.on('exit', (c) => resolve(c)));
  expect(exit).toBe(code);
  expect(out).not.toContain('FINISHED');
  expect(err).toContain(`slimts: ${signal}, cleaning up`);
  expect(leftovers(labels)).toEqual([]);
}

it('SIGINT mid-run exits non-zero and leaves no container behind', () => interruptWith('SIGINT', 130));

// a closed terminal or a dropped SSH session
it('SIGHUP mid-run is handled like SIGTERM: exit 129, no container behind', () => interruptWith('SIGHUP', 129));
