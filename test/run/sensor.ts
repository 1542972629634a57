// The sensor binary for controller tests: the real one (make -C sensors) unless
// SLIMTS_TEST_SENSOR=fake or it cannot be built, then a stand-in compiled with musl-gcc.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/docker.js';

export interface TestSensor {
  path: string;
  real: boolean;
  dispose(): void;
}

export function testSensor(): TestSensor {
  if (process.env.SLIMTS_TEST_SENSOR !== 'fake') {
    try {
      execFileSync('make', ['-s', '-C', join(ROOT, 'sensors')], { stdio: ['ignore', 'ignore', 'inherit'] });
      const real = join(ROOT, 'sensors/build/slimts-sensor');
      if (existsSync(real)) return { path: real, real: true, dispose() {} };
    } catch {
      /* fall back to the stand-in */
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'slimts-fake-sensor-'));
  const path = join(dir, 'slimts-sensor');
  execFileSync('musl-gcc', ['-static', '-O2', '-o', path, join(ROOT, 'test/run/fake-sensor.c')]);
  return { path, real: false, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export function buildSamples(...names: string[]): void {
  execFileSync('bash', [join(ROOT, 'samples/build-samples.sh'), ...names], { stdio: ['ignore', 'inherit', 'inherit'] });
}

/**
 * A label unique to one test, so leftover checks are not confused by runs of parallel tests
 * (which carry io.slimts.run=1 too).
 */
export function testLabel(): Record<string, string> {
  return { 'io.slimts.test': `${process.pid}-${Math.random().toString(36).slice(2, 10)}` };
}

/** Containers (any state) carrying the run label, and `label` if given. */
export function leftovers(label?: Record<string, string>): string[] {
  const filters = ['--filter', 'label=io.slimts.run=1'];
  for (const [k, v] of Object.entries(label ?? {})) filters.push('--filter', `label=${k}=${v}`);
  const out = execFileSync('docker', ['ps', '-aq', ...filters]).toString().trim();
  return out ? out.split('\n') : [];
}
