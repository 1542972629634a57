// The sensor binary for controller tests: the real one, built from the current sources. A
// sensor that does not build fails the tests that need it, loudly: there is no stand-in.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/docker.js';

export interface TestSensor {
  path: string;
  dispose(): void;
}

export function testSensor(): TestSensor {
  const r = spawnSync('make', ['-s', '-C', join(ROOT, 'sensors')], { encoding: 'utf8' });
  const path = join(ROOT, 'sensors/build/slimts-sensor');
  if (r.status !== 0) throw new Error(`the sensor does not build (make -C sensors exit ${r.status}):\n${r.stderr}`);
  if (!existsSync(path)) throw new Error(`make -C sensors succeeded but left no ${path}`);
  return { path, dispose() {} };
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
