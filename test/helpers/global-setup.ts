// Docker-dependent tests run for real: the engine and the sample base image are provisioned
// here, and a missing engine fails the run loudly instead of skipping tests.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export default function setup(): void {
  // The CLI and the sensor are built once, here, before any worker starts: a worker rebuilding
  // dist/ while another runs the CLI would load half-written modules.
  try {
    execFileSync('npx', ['tsc', '-p', '.'], { cwd: root, stdio: 'inherit' });
  } catch {
    // type errors still emit JS (and are printed above); the tests show whether it works
  }
  execFileSync('make', ['-s', '-C', 'sensors'], { cwd: root, stdio: 'inherit' });
  if (process.env.SLIMTS_TEST_NO_ENGINE === '1') return; // host-only runs (sensor, select) by hand
  // third-party tools the tests run (the cdxgen scanner), from the npm registry
  execFileSync('bash', [`${root}/bin/ensure-test-tools`], { stdio: 'inherit' });
  execFileSync('bash', [`${root}/bin/ensure-engine`], { stdio: 'inherit' });
  execFileSync('bash', [`${root}/samples/base/build-base.sh`], { stdio: 'inherit' });
}
