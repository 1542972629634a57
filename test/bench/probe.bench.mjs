// Probing a port that does not speak HTTP (the redis sample): the traced run's wall time with the
// default probes (protocol sniffing) against the same run with --no-http-probe, medians of
// interleaved runs, printed as a ratio and a difference (goal: within 1.5 s). Also what the
// sniff itself reported for the port. Needs dist/ and the sensor (`npx tsc -p . && make -C sensors`).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
if (!existsSync(join(root, 'dist/run/index.js')) || !existsSync(join(root, 'sensors/build/slimts-sensor'))) {
  console.error('probe bench: run `npx tsc -p . && make -C sensors` first');
  process.exit(1);
}
const { runTraced } = await import(join(root, 'dist/run/index.js'));
const { inspectImage } = await import(join(root, 'dist/image/engine-config.js'));
const RUNS = Number(process.env.PROBE_BENCH_RUNS ?? 5);
const image = 'slimts-sample/redis:1';
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;

const sensor = { path: join(root, 'sensors/build/slimts-sensor') };

async function tracedRun(config, probes) {
  const t0 = Date.now();
  const r = await runTraced({ image, config, probes, sensor });
  const ms = Date.now() - t0;
  await r.dispose();
  const tcp = r.probes.find((p) => p.kind === 'tcp');
  if (!tcp?.ok) throw new Error(`the redis port did not open: ${JSON.stringify(r.probes)}`);
  return { ms, tcp, probes: r.probes.length };
}

let failed = false;
try {
  execFileSync('bash', [join(root, 'samples/build-samples.sh'), 'redis'], { stdio: 'inherit' });
  const { config } = await inspectImage(image);
  const variants = { default: {}, 'no-http-probe': { noHttpProbe: true } };
  const times = { default: [], 'no-http-probe': [] };
  let last;
  await tracedRun(config, {}); // warm the engine's caches
  for (let i = 0; i < RUNS; i++) {
    for (const [name, probes] of Object.entries(variants)) {
      const r = await tracedRun(config, probes);
      times[name].push(r.ms);
      if (name === 'default') last = r;
    }
  }
  const d = median(times.default);
  const n = median(times['no-http-probe']);
  const ok = d - n <= 1500;
  console.log(`redis traced run (median of ${RUNS}): default probes ${s(d)}, --no-http-probe ${s(n)}: ${(d / n).toFixed(2)}x, ${d >= n ? '+' : '-'}${s(Math.abs(d - n))} (goal within 1.5 s) ${ok ? 'OK' : 'SLOW'}`);
  console.log(`  port sniff: ${last.tcp.protocol}; ${last.tcp.attempts.map((a) => `${a.step} ${a.ms} ms${a.detail ? ` (${a.detail})` : ''}`).join(', ')}`);
  if (!ok) failed = true;
} catch (err) {
  console.error(`probe bench: ${err?.stack ?? err}`);
  failed = true;
}
process.exit(failed ? 1 : 0);
