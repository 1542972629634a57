// The package inventory's cost (needs dist/ and the sensors: `npx tsc -p . && make -C sensors`):
// for each sample (all Debian-based), slimts build with the inventory and with --no-package-db,
// in one run: packages before → after, the bytes the inventory adds (the report's count, and
// the slim layer's size with it minus without: goal at most a few hundred KB), and the time of
// the build with it beside without (median of 3 each).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onEnd } from './on-end.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
if (!existsSync(join(root, 'dist/slim/index.js')) || !existsSync(join(root, 'sensors/build/slimts-sensor'))) {
  console.error('sbom bench: run `npx tsc -p . && make -C sensors` first');
  process.exit(1);
}
const { build } = await import(join(root, 'dist/slim/index.js'));
const SAMPLES = ['nginx', 'flask', 'fastapi', 'express', 'redis', 'nonroot-health', 'shell-entrypoint', 'batch'];
const RUNS = 3;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kb = (b) => `${(b / 1e3).toFixed(1)} kB`;
const pid = process.pid;
const tags = [];
const cleanup = onEnd(() => spawnSync('docker', ['rmi', '-f', ...tags], { stdio: 'ignore' }));

async function once(image, packageDb) {
  const tag = `slimts-bench-sbom-${pid}:${tags.length}`;
  tags.push(tag);
  const t0 = Date.now();
  const r = await build({ image, tag, packageDb });
  const ms = Date.now() - t0;
  if (!r.ok) throw new Error(`build of ${image} did not verify: ${r.verify.notes.join('; ')}`);
  return { ms, layer: r.output.layerSize, packages: r.packages };
}

let worst = 0;
try {
  execFileSync('bash', [join(root, 'samples/build-samples.sh'), ...SAMPLES], { stdio: ['ignore', 'ignore', 'inherit'] });
  console.log('sample            packages      inventory (report)  layer with − without  build with / without (median of 3)');
  for (const name of SAMPLES) {
    const image = `slimts-sample/${name}:1`;
    const withDb = [];
    const without = [];
    for (let i = 0; i < RUNS; i++) {
      withDb.push(await once(image, true));
      without.push(await once(image, false));
    }
    const p = withDb[0].packages;
    const added = withDb[0].layer - without[0].layer;
    worst = Math.max(worst, added);
    const a = median(withDb.map((x) => x.ms));
    const b = median(without.map((x) => x.ms));
    console.log(`${name.padEnd(18)}${`${p.before} → ${p.after}`.padEnd(14)}${kb(p.inventoryBytes).padEnd(20)}${kb(added).padEnd(22)}${(a / 1000).toFixed(2)} s / ${(b / 1000).toFixed(2)} s (${(a / b).toFixed(2)}×)`);
  }
  console.log(`largest addition: ${kb(worst)} (goal: at most a few hundred kB)`);
} finally {
  cleanup();
}
