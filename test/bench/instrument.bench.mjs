// `slimts instrument` overhead under load: requests/s and p99 latency of two sample web
// services run from the original image and from its instrumented image (plain docker run,
// observations into a tmpfs), in this run, interleaved (original, instrumented, instrumented
// in the ptrace fallback, original, ...), medians of the rounds. Goal: <= 1.25x slower.
// The sensor's default here is seccomp user notification; SLIMTS_SENSOR_NOTIFY=0 on the same
// image makes it take the ptrace fallback (what a kernel or runtime refusing it gets).
//   nginx  slimts-sample/nginx:1, static files: the worst case, a path syscall or three per
//          request and almost no other work;
//   python samples/observe (ThreadingHTTPServer, HTTP/1.1 keep-alive): a thread per connection,
//          an open() per request.
// The load generator is a small keep-alive Node loop (CONNS connections, SECONDS per round).
// Also the container's CPU time per request (cgroup accounting: app and sensor): on a machine
// busy with other work the throughput ratios shrink toward 1 (everyone waits for the CPUs),
// while the CPU each request costs does not.
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { onEnd } from './on-end.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ROUNDS = Number(process.env.INSTRUMENT_BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.INSTRUMENT_BENCH_SECONDS ?? 5);
const CONNS = Number(process.env.INSTRUMENT_BENCH_CONNS ?? 16);
const ONLY = process.env.INSTRUMENT_BENCH_ONLY; // one service by name (nginx, python)

const sh = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return (r.stdout ?? '').trim();
};

const services = [
  { name: 'nginx', image: 'slimts-sample/nginx:1', port: 80, paths: ['/', '/index.html', '/about.html', '/style.css'],
    make: () => sh('bash', [`${root}/samples/build-samples.sh`, 'nginx'], { stdio: 'inherit' }) },
  { name: 'python', image: 'slimts-observe/app:1', port: 8080, paths: ['/', '/catalog'],
    make: () => sh('bash', [`${root}/samples/build-image.sh`, 'slimts-observe/app:1', `${root}/samples/observe`], { stdio: 'inherit' }) },
];
if (ONLY) services.splice(0, services.length, ...services.filter((s) => s.name === ONLY));
const made = [];
const running = new Set(); // containers of the round in progress
const cleanup = onEnd(() => {
  for (const c of running) spawnSync('docker', ['rm', '-f', '-v', c]);
  for (const t of made) spawnSync('docker', ['rmi', '-f', t]);
});
for (const s of services) {
  s.make();
  const tag = `slimts-bench/${s.name}-${process.pid}.instrumented:1`;
  sh('node', [`${root}/bin/slimts.js`, 'instrument', s.image, '--tag', tag]);
  made.push(tag);
  s.variants = { original: { ref: s.image }, instrumented: { ref: tag }, 'instrumented (ptrace fallback)': { ref: tag, env: ['-e', 'SLIMTS_SENSOR_NOTIFY=0'] } };
}

async function waitUp(url) {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((res) => http.get(url, (r) => { r.resume(); res(r.statusCode === 200); }).on('error', () => res(false)));
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never answered`);
}

async function load(host, port, paths) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNS });
  const lat = [];
  const until = Date.now() + SECONDS * 1000;
  let i = 0;
  const worker = async () => {
    while (Date.now() < until) {
      const path = paths[i++ % paths.length];
      const t0 = process.hrtime.bigint();
      await new Promise((res, rej) => http.get({ host, port, path, agent }, (r) => { r.resume(); r.on('end', res); }).on('error', rej));
      lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: CONNS }, worker));
  agent.destroy();
  lat.sort((a, b) => a - b);
  return { rps: lat.length / SECONDS, p99: lat[Math.floor(lat.length * 0.99)] };
}

// CPU time the container used (app + sensor, all its processes), in ns: per request served it
// says what the sensor costs independently of how busy the machine's other tenants keep the CPUs.
function cpuNs(id) {
  for (const [f, parse] of [
    [`/sys/fs/cgroup/cpuacct/docker/${id}/cpuacct.usage`, (t) => Number(t)],
    [`/sys/fs/cgroup/system.slice/docker-${id}.scope/cpu.stat`, (t) => Number(/usage_usec (\d+)/.exec(t)?.[1]) * 1e3],
  ]) {
    try { return parse(readFileSync(f, 'utf8')); } catch { /* the other cgroup layout */ }
  }
  return undefined;
}

async function round(s, { ref, env = [] }) {
  const name = `slimts-bench-instr-${process.pid}-${Math.random().toString(36).slice(2, 7)}`;
  running.add(name);
  sh('docker', ['run', '-d', '--name', name, '--tmpfs', '/var/lib/slimts/observations:mode=1777', ...env, ref]);
  try {
    const ip = sh('docker', ['inspect', '-f', '{{.NetworkSettings.IPAddress}}', name]);
    await waitUp(`http://${ip}:${s.port}/`);
    await load(ip, s.port, s.paths); // warm-up, not counted
    const id = sh('docker', ['inspect', '-f', '{{.Id}}', name]);
    const cpu0 = cpuNs(id);
    const got = await load(ip, s.port, s.paths);
    const cpu1 = cpuNs(id);
    got.cpuUs = cpu0 !== undefined && cpu1 !== undefined ? (cpu1 - cpu0) / 1e3 / (got.rps * SECONDS) : NaN;
    // the mode the sensor ran in, from its observation file's header
    const head = spawnSync('docker', ['exec', name, 'sh', '-c', 'head -qn1 /var/lib/slimts/observations/*.slimobs'], { encoding: 'utf8' }).stdout ?? '';
    return { ...got, mode: /mode=(\S+)/.exec(head)?.[1] ?? '-' };
  } finally {
    spawnSync('docker', ['rm', '-f', '-v', name]);
    running.delete(name);
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load0 = loadavg()[0];
try {
  for (const s of services) {
    const res = Object.fromEntries(Object.keys(s.variants).map((k) => [k, []]));
    for (let r = 0; r < ROUNDS; r++) for (const [k, ref] of Object.entries(s.variants)) res[k].push(await round(s, ref));
    const m = Object.fromEntries(Object.entries(res).map(([k, xs]) => [k, { rps: median(xs.map((x) => x.rps)), p99: median(xs.map((x) => x.p99)), mode: [...new Set(xs.map((x) => x.mode))].join(','), cpuUs: median(xs.map((x) => x.cpuUs)) }]));
    console.log(`${s.name}: ${s.paths.join(' ')}, ${CONNS} keep-alive connections, ${SECONDS} s x ${ROUNDS} rounds each (medians)`);
    for (const [k, v] of Object.entries(m)) {
      const slower = k === 'original' ? '' : `   ${(m.original.rps / v.rps).toFixed(2)}x slower, p99 ${(v.p99 / m.original.p99).toFixed(2)}x (goal <= 1.25x), CPU ${(v.cpuUs / m.original.cpuUs).toFixed(2)}x, mode=${v.mode}`;
      console.log(`  ${k.padEnd(32)} ${v.rps.toFixed(0).padStart(7)} req/s  p99 ${v.p99.toFixed(2).padStart(7)} ms  CPU ${v.cpuUs.toFixed(1).padStart(6)} us/req${slower}`);
    }
  }
} finally {
  cleanup();
}
console.log(`machine: ${cpus().length} CPUs, load average ${load0.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after (the load generator shares the CPUs)`);
