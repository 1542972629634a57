// `slimts instrument` overhead under load: requests/s and p99 latency of a sample web service
// (slimts-sample/nginx:1, static files) run from the original image and from its instrumented
// image (plain docker run, observations into a tmpfs), measured in this run, interleaved
// (original, instrumented, original, ...), medians of the rounds. Goal: <= 1.25x slower.
// The load generator is a small keep-alive Node loop (CONNS connections, SECONDS each round).
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { loadavg, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ROUNDS = Number(process.env.INSTRUMENT_BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.INSTRUMENT_BENCH_SECONDS ?? 5);
const CONNS = Number(process.env.INSTRUMENT_BENCH_CONNS ?? 16);
const PATHS = ['/', '/index.html', '/about.html', '/style.css'];
const image = 'slimts-sample/nginx:1';
const tag = `slimts-bench/nginx-${process.pid}.instrumented:1`;

const sh = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return (r.stdout ?? "").trim();
};

sh('bash', [`${root}/samples/build-samples.sh`, 'nginx'], { stdio: 'inherit' });
sh('node', [`${root}/bin/slimts.js`, 'instrument', image, '--tag', tag]);

async function waitUp(url) {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((res) => http.get(url, (r) => { r.resume(); res(r.statusCode === 200); }).on('error', () => res(false)));
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never answered`);
}

async function load(host) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNS });
  const lat = [];
  const until = Date.now() + SECONDS * 1000;
  let i = 0;
  const worker = async () => {
    while (Date.now() < until) {
      const path = PATHS[i++ % PATHS.length];
      const t0 = process.hrtime.bigint();
      await new Promise((res, rej) => http.get({ host, port: 80, path, agent }, (r) => { r.resume(); r.on('end', res); }).on('error', rej));
      lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: CONNS }, worker));
  agent.destroy();
  lat.sort((a, b) => a - b);
  return { rps: lat.length / SECONDS, p99: lat[Math.floor(lat.length * 0.99)] };
}

async function round(ref) {
  const name = `slimts-bench-instr-${process.pid}-${Math.random().toString(36).slice(2, 7)}`;
  sh('docker', ['run', '-d', '--name', name, '--tmpfs', '/var/lib/slimts/observations:mode=1777', ref]);
  try {
    const ip = sh('docker', ['inspect', '-f', '{{.NetworkSettings.IPAddress}}', name]);
    await waitUp(`http://${ip}/`);
    await load(ip); // warm-up, not counted
    return await load(ip);
  } finally {
    spawnSync('docker', ['rm', '-f', name]);
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const res = { original: [], instrumented: [] };
const load0 = loadavg()[0];
try {
  for (let r = 0; r < ROUNDS; r++) {
    res.original.push(await round(image));
    res.instrumented.push(await round(tag));
  }
} finally {
  spawnSync('docker', ['rmi', '-f', tag]);
}
const o = { rps: median(res.original.map((x) => x.rps)), p99: median(res.original.map((x) => x.p99)) };
const n = { rps: median(res.instrumented.map((x) => x.rps)), p99: median(res.instrumented.map((x) => x.p99)) };
const slower = o.rps / n.rps;
console.log(`nginx static, ${CONNS} keep-alive connections, ${SECONDS} s x ${ROUNDS} rounds each (medians)`);
console.log(`  original      ${o.rps.toFixed(0).padStart(7)} req/s  p99 ${o.p99.toFixed(2)} ms`);
console.log(`  instrumented  ${n.rps.toFixed(0).padStart(7)} req/s  p99 ${n.p99.toFixed(2)} ms`);
console.log(`  throughput ${slower.toFixed(2)}x slower, p99 ${(n.p99 / o.p99).toFixed(2)}x (goal <= 1.25x)`);
console.log(`  machine: ${cpus().length} CPUs, load average ${load0.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after (the load generator shares the CPUs)`);
