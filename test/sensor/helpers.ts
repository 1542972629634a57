// Helpers for the sensor tests: run the built static sensor on the host, in a temp dir.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTraceSet, type TraceSet } from '../../src/trace/parse.js';
import { ROOT } from '../helpers/docker.js';

export const SENSOR = join(ROOT, 'sensors/build/slimts-sensor');
export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** Builds the sensor once (idempotent make) so the tests drive the current sources. */
export function buildSensor(): void {
  const r = spawnSync('make', ['-s', '-C', join(ROOT, 'sensors')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make sensors failed: ${r.stderr}`);
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'slimts-sensor-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface SensorRun {
  status: number;
  stdout: string;
  stderr: string;
  trace: TraceSet;
}

export function runSensor(dir: string, args: string[], cmd: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): SensorRun {
  const trace = join(dir, 'trace');
  const r = spawnSync(SENSOR, [...args, '--trace', trace, '--', ...cmd], {
    encoding: 'utf8',
    env: opts.env ?? process.env,
    cwd: opts.cwd ?? dir,
    timeout: 60_000,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, trace: readTraceSet(trace) };
}

/** Starts the sensor in the background; resolves with its exit status when it ends. */
export function startSensor(dir: string, args: string[], cmd: string[]) {
  const child = spawn(SENSOR, [...args, '--trace', join(dir, 'trace'), '--', ...cmd], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ status: number; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, sig) => resolve({ status: code ?? 128 + (sig ? 15 : 0), stdout, stderr })),
  );
  return { child, done };
}

export async function waitFor(file: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!existsSync(file)) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${file}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
