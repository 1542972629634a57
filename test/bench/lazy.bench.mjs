// lazy: how soon an app answers when its image comes from a registry over a slow link. The
// registry (Debian's docker-registry on loopback) sits behind a shaping proxy made here: every
// byte to the puller goes through one 5 MB/s (40 Mbit/s) link, and each direction adds 20 ms
// (40 ms round trip). For the nginx sample as: the original (gzip, `ctr images pull`), the
// original optimized by `ctr-remote image optimize` (eStargz at gzip level 6 like slimts'
// writer, rpulled lazily), the slim image (gzip, pulled), the slim image (eStargz, rpulled
// lazily), it times pull start → the first HTTP answer from inside the container, and counts the
// bytes the proxy sent by then. Each run has a fresh containerd + stargz snapshotter (cold
// caches). Goal: slim eStargz ≤ 0.5× the optimized original, and faster than slim gzip.
// Needs dist/ (`npx tsc -p .`), root, Docker.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
const GOAL = 0.5;
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

/** The first HTTP answer from port 80 inside the task's network namespace (bash's /dev/tcp). */
function answered(pid) {
  const r = spawnSync('nsenter', ['-t', String(pid), '-n', 'bash', '-c',
    'exec 3<>/dev/tcp/127.0.0.1/80 && printf "GET / HTTP/1.0\\r\\n\\r\\n" >&3 && head -c 12 <&3'], { encoding: 'utf8', timeout: 5000 });
  return r.status === 0 && /^HTTP\/1\.\d 200/.test(r.stdout);
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
try {
  ensureStargzTools();
  for (let i = 0; i < 100 && spawnSync('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${regPort}`]).status !== 0; i++) spawnSync('sleep', ['0.1']);
  sh('bash', [join(root, 'samples/build-samples.sh'), 'nginx'], { stdio: 'inherit' });
  const sample = 'slimts-sample/nginx:1';
  const ref = (name) => `${direct}/bench/${name}`;

  // the four images, pushed straight to the registry (not through the shaped link)
  sh('docker', ['tag', sample, ref('nginx:orig')]);
  tags.push(ref('nginx:orig'));
  sh('docker', ['push', '-q', ref('nginx:orig')]);
  for (const [tag, fmt] of [['slim-gzip', 'gzip'], ['slim-estargz', 'estargz']]) {
    sh('node', [join(root, 'bin/slimts.js'), 'build', sample, '--format', fmt, '--push', ref(`nginx:${tag}`), '--no-verify', '--report', join(work, `${tag}.json`)]);
  }
  {
    const s = await startLazyStack();
    try {
      sh('ctr', ['--address', s.address, 'images', 'pull', '--plain-http', ref('nginx:orig')]);
      sh('ctr-remote', ['--address', s.address, 'images', 'optimize', '--oci', '--period', '10', '--estargz-compression-level', '6', ref('nginx:orig'), ref('nginx:optimized')]);
      sh('ctr', ['--address', s.address, 'images', 'push', '--plain-http', ref('nginx:optimized')]);
    } finally {
      await s.stop();
    }
  }
  const blobBytes = (tag) => {
    const m = JSON.parse(sh('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref(`nginx:${tag}`)}`]));
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
    v.times = [];
    v.bytes = [];
    for (let i = 0; i < RUNS; i++) {
      const s = await startLazyStack();
      try {
        const r = `${shaped}/bench/nginx:${v.tag}`;
        const sent0 = proxy.sent();
        const t0 = performance.now();
        if (v.lazy) s.rpull(r);
        else s.pull(r);
        const pid = s.start(r, `bench-${i}`, v.lazy ? 'stargz' : 'overlayfs');
        let ok = false;
        for (let k = 0; k < 600 && !(ok = answered(pid)); k++) spawnSync('sleep', ['0.05']);
        if (!ok) throw new Error(`${v.name}: no answer in 30 s`);
        v.times.push((performance.now() - t0) / 1000);
        v.bytes.push(proxy.sent() - sent0);
        s.kill(`bench-${i}`);
      } finally {
        await s.stop();
      }
    }
  }

  const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
  console.log(`link: ${RATE / 1e6} MB/s (${(RATE * 8) / 1e6} Mbit/s), ${2 * ONE_WAY_MS} ms round trip; median of ${RUNS} cold pulls each`);
  console.log(`${'image'.padEnd(32)} ${'layers'.padStart(9)} ${'to answer'.padStart(10)} ${'fetched by then'.padStart(16)}`);
  for (const v of variants) console.log(`${v.name.padEnd(32)} ${mb(v.blob).padStart(9)} ${`${median(v.times).toFixed(2)} s`.padStart(10)} ${mb(median(v.bytes)).padStart(16)}`);
  const [orig, opt, slimGz, slimEs] = variants.map((v) => median(v.times));
  const r1 = slimEs / opt;
  const r2 = slimEs / slimGz;
  console.log(`slim eStargz / optimized original: ${r1.toFixed(2)}x (goal <= ${GOAL}x) ${r1 <= GOAL ? 'ok' : 'MISSED'}`);
  console.log(`slim eStargz / slim gzip:          ${r2.toFixed(2)}x (goal < 1x) ${r2 < 1 ? 'ok' : 'MISSED'}`);
  console.log(`slim eStargz / original gzip:      ${(slimEs / orig).toFixed(2)}x`);
} finally {
  await proxy.close();
  registry.kill('SIGTERM');
  for (const t of tags) spawnSync('docker', ['rmi', t], { stdio: 'ignore' });
  rmSync(work, { recursive: true, force: true });
}
