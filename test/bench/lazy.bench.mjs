// lazy: how soon an app answers when its image comes from a registry over a slow link. The
// registry (Debian's docker-registry on loopback) sits behind a shaping proxy made here: every
// byte to the puller goes through one 5 MB/s (40 Mbit/s) link, and each direction adds 20 ms
// (40 ms round trip). For each app, four images: the original (gzip, `ctr images pull`), the
// original optimized by `ctr-remote image optimize` (eStargz at gzip level 6 like slimts'
// writer, its prefetch recorded over a 10 s run, rpulled lazily), the slim image (gzip,
// pulled), the slim image (eStargz, rpulled lazily). Each run starts a fresh containerd and
// stargz snapshotter (cold caches, the snapshotter's default config for every variant: a
// container waits up to 10 s for the prefetch, background fetch after 5 s without on-demand
// reads), then times: pull (pull or rpull returned), start (`ctr run -d` returned: for a lazy
// image after the prefetch range arrived) and answer (the first HTTP 200 on GET /, polled every
// 10 ms from inside the task's network namespace by one process), and the bytes the proxy
// sent by the answer. Goal: slim eStargz ≤ 0.5× the optimized original, and faster than slim
// gzip. Apps: SLIMTS_BENCH_LAZY_APPS (default jvmweb,flask,nginx; also express); runs per
// variant: SLIMTS_BENCH_RUNS (default 3). Needs dist/ (`npx tsc -p .`), root, Docker.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLazyStack, ensureStargzTools } from '../helpers/lazy-stack.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
if (!existsSync(join(root, 'dist/cli/main.js'))) {
  console.error('lazy bench: dist/ missing; run `npx tsc -p .` first');
  process.exit(1);
}
const RATE = 5e6; // bytes/s on the shaped link
const ONE_WAY_MS = 20;
const RUNS = Number(process.env.SLIMTS_BENCH_RUNS ?? 3);
const ANSWER_TIMEOUT_MS = 120_000;
const GOAL = 0.5;
const APPS = {
  nginx: { image: 'slimts-sample/nginx:1', dir: 'samples/nginx', port: 80 },
  flask: { image: 'slimts-sample/flask:1', dir: 'samples/flask', port: 5000 },
  express: { image: 'slimts-sample/express:1', dir: 'samples/express', port: 3000 },
  jvmweb: { image: 'slimts-latent/jvmweb:1', dir: 'samples/latent/jvmweb', port: 8090 },
};
const wanted = (process.env.SLIMTS_BENCH_LAZY_APPS ?? 'jvmweb,flask,nginx').split(',').filter(Boolean);
for (const a of wanted) if (!APPS[a]) {
  console.error(`lazy bench: no app "${a}" (${Object.keys(APPS).join(', ')})`);
  process.exit(1);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
const freePort = () => new Promise((res) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });

/**
 * A TCP proxy in a worker thread (the main thread blocks in spawnSync while ctr pulls):
 * requests delayed ONE_WAY_MS; answers through one shared RATE link plus ONE_WAY_MS. `sent()`
 * reads the bytes delivered so far from shared memory.
 */
function shapedProxy(listenPort, targetPort) {
  const counter = new BigInt64Array(new SharedArrayBuffer(8));
  const code = `
    const net = require('node:net');
    const { workerData } = require('node:worker_threads');
    const { listenPort, targetPort, rate, oneWay, counter } = workerData;
    let linkFreeAt = 0;
    net.createServer((client) => {
      const up = net.connect(targetPort, '127.0.0.1');
      let queued = 0;
      client.on('data', (b) => setTimeout(() => up.write(b), oneWay));
      up.on('data', (b) => {
        const now = performance.now();
        const start = Math.max(now + oneWay, linkFreeAt);
        linkFreeAt = start + (b.length / rate) * 1000;
        queued += b.length;
        if (queued > 1 << 20) up.pause();
        setTimeout(() => {
          if (!client.destroyed) client.write(b);
          Atomics.add(counter, 0, BigInt(b.length));
          queued -= b.length;
          if (queued < 256 << 10) up.resume();
        }, linkFreeAt - now);
      });
      const end = () => { client.destroy(); up.destroy(); };
      up.on('end', () => setTimeout(() => client.end(), Math.max(0, linkFreeAt - performance.now())));
      client.on('end', () => up.end());
      up.on('error', end);
      client.on('error', end);
    }).listen(listenPort, '127.0.0.1');
  `;
  const worker = new Worker(code, { eval: true, workerData: { listenPort, targetPort, rate: RATE, oneWay: ONE_WAY_MS, counter } });
  return { sent: () => Number(Atomics.load(counter, 0)), close: () => worker.terminate() };
}

const POLL = join(root, 'test/bench/lazy-poll.cjs');
/** Wall-clock ms of the first HTTP 200 from inside the task's network namespace, or null. */
function firstAnswer(pid, port) {
  const r = spawnSync('nsenter', ['-t', String(pid), '-n', process.execPath, POLL, String(port), String(ANSWER_TIMEOUT_MS)], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) : null;
}

const work = mkdtempSync(join(tmpdir(), 'slimts-bench-lazy-'));
const regPort = await freePort();
const proxyPort = await freePort();
const direct = `127.0.0.1:${regPort}`;
const shaped = `127.0.0.1:${proxyPort}`;
writeFileSync(join(work, 'reg.yml'), `version: 0.1\nlog: { level: error }\nstorage: { filesystem: { rootdirectory: ${join(work, 'reg')} } }\nhttp: { addr: "${direct}" }\n`);
const registry = spawn('/usr/bin/docker-registry', ['serve', join(work, 'reg.yml')], { stdio: 'ignore' });
const proxy = shapedProxy(proxyPort, regPort);
const tags = [];
const verdicts = [];
try {
  ensureStargzTools();
  for (let i = 0; i < 100 && spawnSync('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${regPort}`]).status !== 0; i++) spawnSync('sleep', ['0.1']);
  sh('bash', [join(root, 'samples/base/build-base.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  console.log(`link: ${RATE / 1e6} MB/s (${(RATE * 8) / 1e6} Mbit/s), ${2 * ONE_WAY_MS} ms round trip; median of ${RUNS} cold pulls per image; seconds from pull start`);
  for (const name of wanted) await benchApp(name, APPS[name]);
} finally {
  await proxy.close();
  registry.kill('SIGTERM');
  for (const t of tags) spawnSync('docker', ['rmi', t], { stdio: 'ignore' });
  rmSync(work, { recursive: true, force: true });
}
console.log(`\n${verdicts.join('\n')}`);

async function benchApp(name, app) {
  sh('bash', [join(root, 'samples/build-image.sh'), app.image, join(root, app.dir)], { stdio: ['ignore', 'ignore', 'inherit'] });
  const ref = (tag) => `${direct}/bench/${name}:${tag}`;
  // the four images, pushed straight to the registry (not through the shaped link)
  sh('docker', ['tag', app.image, ref('orig')]);
  tags.push(ref('orig'));
  sh('docker', ['push', '-q', ref('orig')]);
  let slim;
  for (const [tag, fmt] of [['slim-gzip', 'gzip'], ['slim-estargz', 'estargz']]) {
    const report = join(work, `${name}-${tag}.json`);
    sh('node', [join(root, 'bin/slimts.js'), 'build', app.image, '--format', fmt, '--push', ref(tag), '--no-verify', '--report', report], { stdio: ['ignore', 'ignore', 'pipe'] });
    if (fmt === 'estargz') slim = JSON.parse(readFileSync(report, 'utf8'));
  }
  await optimize(ref('orig'), ref('optimized'));
  const blobBytes = (tag) => {
    const m = JSON.parse(sh('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref(tag)}`]));
    return m.layers.reduce((n, l) => n + l.size, 0);
  };

  const variants = [
    { name: 'original (gzip)', tag: 'orig', lazy: false },
    { name: 'original, ctr-remote optimize', tag: 'optimized', lazy: true },
    { name: 'slim (gzip)', tag: 'slim-gzip', lazy: false },
    { name: 'slim (eStargz)', tag: 'slim-estargz', lazy: true },
  ];
  for (const v of variants) {
    v.blob = blobBytes(v.tag);
    v.runs = [];
    v.failed = 0;
    for (let i = 0; i < RUNS; i++) {
      const r = await coldRun(`${shaped}/bench/${name}:${v.tag}`, v.lazy, app.port, `bench-${name}-${i}`);
      if (r) v.runs.push(r);
      else v.failed++;
    }
  }
  report(name, app, variants, slim);
}

/** `ctr-remote image optimize` in a private stack: pull, run 10 s recording accesses, convert, push. */
async function optimize(from, to) {
  const s = await startLazyStack();
  try {
    sh('ctr', ['--address', s.address, 'images', 'pull', '--plain-http', from]);
    sh('ctr-remote', ['--address', s.address, 'images', 'optimize', '--oci', '--period', '10', '--estargz-compression-level', '6', from, to], { stdio: ['ignore', 'ignore', 'ignore'] });
    sh('ctr', ['--address', s.address, 'images', 'push', '--plain-http', to]);
  } finally {
    await s.stop();
  }
}

/** One cold pull and start through the shaped link; null when the app never answered. */
async function coldRun(ref, lazy, port, id) {
  const s = await startLazyStack();
  try {
    const sent0 = proxy.sent();
    const t0 = Date.now();
    if (lazy) s.rpull(ref);
    else s.pull(ref);
    const pulled = Date.now();
    const pid = s.start(ref, id, lazy ? 'stargz' : 'overlayfs');
    const started = Date.now();
    const answered = firstAnswer(pid, port);
    const bytes = proxy.sent() - sent0;
    s.kill(id);
    if (answered === null) return null;
    return { pull: (pulled - t0) / 1000, start: (started - t0) / 1000, answer: (answered - t0) / 1000, bytes };
  } finally {
    await s.stop();
  }
}

function report(name, app, variants, slim) {
  const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
  const s = (x) => (x === undefined ? '-' : `${x.toFixed(2)} s`);
  const es = slim.output?.estargz;
  console.log(`\n${name} (${app.image}, port ${app.port})${es ? `: slim eStargz prefetches ${es.prefetchFiles} files, ${es.partialFiles?.length ?? 0} read only in part follow the landmark` : ''}`);
  console.log(`${'image'.padEnd(32)} ${'layers'.padStart(9)} ${'pulled'.padStart(8)} ${'started'.padStart(8)} ${'answer'.padStart(8)} ${'fetched by then'.padStart(16)}`);
  for (const v of variants) {
    const m = (k) => (v.runs.length ? median(v.runs.map((r) => r[k])) : undefined);
    const note = v.failed ? `  (${v.failed} of ${RUNS} runs: no answer in ${ANSWER_TIMEOUT_MS / 1000} s)` : '';
    console.log(`${v.name.padEnd(32)} ${mb(v.blob).padStart(9)} ${s(m('pull')).padStart(8)} ${s(m('start')).padStart(8)} ${s(m('answer')).padStart(8)} ${(v.runs.length ? mb(m('bytes')) : '-').padStart(16)}${note}`);
  }
  const [orig, opt, slimGz, slimEs] = variants.map((v) => (v.runs.length ? median(v.runs.map((r) => r.answer)) : NaN));
  const r1 = slimEs / opt;
  const r2 = slimEs / slimGz;
  console.log(`slim eStargz / optimized original: ${r1.toFixed(2)}x (goal <= ${GOAL}x) ${r1 <= GOAL ? 'ok' : 'MISSED'}`);
  console.log(`slim eStargz / slim gzip:          ${r2.toFixed(2)}x (goal < 1x) ${r2 < 1 ? 'ok' : 'MISSED'}`);
  console.log(`slim eStargz / original gzip:      ${(slimEs / orig).toFixed(2)}x`);
  verdicts.push(`${name}: eStargz/optimized ${r1.toFixed(2)}x ${r1 <= GOAL ? 'ok' : 'MISSED'}, eStargz/slim gzip ${r2.toFixed(2)}x ${r2 < 1 ? 'ok' : 'MISSED'}`);
}
