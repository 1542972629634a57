// slimts build benchmarks (needs dist/ and the sensor: `npx tsc -p . && make -C sensors`):
// 1. build end to end on the nginx sample, median of 3 (goal ≤ 4 s);
// 2. post-run stages on a ≥ 1 GB image (nginx + 1 GB of incompressible files), median of 3
//    (goal ≤ 3 s): wall time from the traced run's end to the report, and the compute stages
//    alone (index, trace, select, write, send, verify);
// 3. peak RSS of the CLI process building the 1 GB image (goal ≤ 200 MB).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
if (!existsSync(join(root, 'dist/build/index.js')) || !existsSync(join(root, 'sensors/build/slimts-sensor'))) {
  console.error('build bench: run `npx tsc -p . && make -C sensors` first');
  process.exit(1);
}
const { build } = await import(join(root, 'dist/build/index.js'));
const RUNS = 3;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const pid = process.pid;
const nginx = 'slimts-sample/nginx:1';
const big = `slimts-bench-build-big-${pid}:1`;
const outTags = [];
const rmi = (...tags) => spawnSync('docker', ['rmi', '-f', ...tags], { stdio: 'ignore' });
const dir = mkdtempSync(join(tmpdir(), 'slimts-bench-build-'));

async function timed(image) {
  const tag = `slimts-bench-build-out-${pid}:${outTags.length}`;
  outTags.push(tag);
  let runDone = 0;
  const t0 = Date.now();
  const r = await build({ image, tag, onStage: (st, state) => { if (st === 'run' && state === 'done') runDone = Date.now(); } });
  const end = Date.now();
  if (!r.ok) throw new Error(`build of ${image} did not verify: ${r.verify.notes.join('; ')}`);
  const compute = ['index', 'trace', 'select', 'write', 'send', 'verify'].reduce((n, k) => n + (r.stages[k] ?? 0), 0);
  return { total: end - t0, postRun: end - runDone, compute, stages: r.stages, ratio: r.ratio };
}

let failed = false;
try {
  execFileSync('bash', [join(root, 'samples/build-samples.sh'), 'nginx'], { stdio: 'inherit' });
  const a = [];
  for (let i = 0; i < RUNS; i++) a.push(await timed(nginx));
  const t = median(a.map((x) => x.total));
  console.log(`nginx end to end: median ${s(t)} of ${RUNS} (goal ≤ 4 s) ${t <= 4000 ? 'OK' : 'SLOW'}; ${a[0].ratio.toFixed(1)}× smaller`);
  console.log(`  stages (first run): ${Object.entries(a[0].stages).map(([k, v]) => `${k} ${s(v)}`).join(', ')}`);

  writeFileSync(join(dir, 'Dockerfile'), `FROM ${nginx}\nRUN mkdir -p /opt/bulk && for i in $(seq 1 40); do head -c 27000000 /dev/urandom > /opt/bulk/blob$i; done\n`);
  execFileSync('docker', ['build', '-q', '-t', big, dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  const size = Number(execFileSync('docker', ['image', 'inspect', '-f', '{{.Size}}', big]).toString().trim());
  const b = [];
  for (let i = 0; i < RUNS; i++) b.push(await timed(big));
  const pr = median(b.map((x) => x.postRun));
  const cp = median(b.map((x) => x.compute));
  console.log(`${(size / 1e9).toFixed(2)} GB image: post-run wall median ${s(pr)} (goal ≤ 3 s) ${pr <= 3000 ? 'OK' : 'SLOW'}; compute stages median ${s(cp)} ${cp <= 3000 ? 'OK' : 'SLOW'}`);
  console.log(`  stages (first run): ${Object.entries(b[0].stages).map(([k, v]) => `${k} ${s(v)}`).join(', ')}`);
  console.log('  (post-run wall includes waiting for the engine\'s image export started with the run)');

  // peak RSS of the CLI process: VmHWM from /proc while it runs
  const tag = `slimts-bench-build-out-${pid}:rss`;
  outTags.push(tag);
  const child = spawn('node', [join(root, 'bin/slimts.js'), 'build', big, '--tag', tag, '--json', '--report', join(dir, 'r.json')], { stdio: ['ignore', 'ignore', 'ignore'] });
  let peak = 0;
  const poll = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) * 1024);
    } catch { /* exited */ }
  }, 50);
  const code = await new Promise((r) => child.on('exit', r));
  clearInterval(poll);
  console.log(`CLI peak RSS on the ${(size / 1e9).toFixed(2)} GB image: ${(peak / 1e6).toFixed(0)} MB (goal ≤ 200 MB) ${peak <= 200e6 ? 'OK' : 'HIGH'} (exit ${code})`);
} catch (err) {
  console.error(`build bench: ${err?.stack ?? err}`);
  failed = true;
} finally {
  rmi(...outTags, big);
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
