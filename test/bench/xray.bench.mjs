// xray wall time on a >= 1 GB image, as a ratio to `docker save IMAGE > /dev/null` (goal
// <= 1.5x). Medians of 3. The image is built FROM the sample base once and cached by tag.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BASE = process.env.SLIMTS_BASE_TAG ?? 'slimts-base/bookworm:minbase';
const TAG = 'slimts-bench/big:1';
const RUNS = 3;

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout?.toString() ?? '';
}

function ensureImage() {
  if (spawnSync('docker', ['image', 'inspect', TAG], { stdio: 'ignore' }).status === 0) return;
  const ctx = mkdtempSync(join(tmpdir(), 'xray-bench-'));
  try {
    // Four 256 MiB random files in four layers, one of them overwritten later (so there is
    // waste to find), plus a copy for the duplicate finder.
    const mib = (n) => n * 1024 * 1024;
    writeFileSync(
      join(ctx, 'Dockerfile'),
      `FROM ${BASE}
RUN mkdir /data && head -c ${mib(256)} /dev/urandom > /data/a
RUN head -c ${mib(256)} /dev/urandom > /data/b
RUN head -c ${mib(240)} /dev/urandom > /data/c && cp /data/c /data/c-copy
RUN head -c ${mib(200)} /dev/urandom > /data/a
`,
    );
    console.log(`building ${TAG} (once)...`);
    sh('docker', ['build', '--network', 'host', '-q', '-t', TAG, ctx], { stdio: ['ignore', 'ignore', 'inherit'] });
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}

function time(fn) {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

ensureImage();
const size = Number(sh('docker', ['image', 'inspect', '-f', '{{.Size}}', TAG]).trim());
const save = [];
const xr = [];
for (let i = 0; i < RUNS; i++) {
  save.push(
    time(() => {
      const fd = openSync('/dev/null', 'w');
      try {
        sh('docker', ['save', TAG], { stdio: ['ignore', fd, 'pipe'] });
      } finally {
        closeSync(fd);
      }
    }),
  );
  xr.push(time(() => sh('node', [join(ROOT, 'bin/slimts.js'), 'xray', '--json', TAG], { stdio: ['ignore', 'ignore', 'pipe'] })));
}
const s = median(save);
const x = median(xr);
console.log(`image ${TAG}: ${(size / 1e9).toFixed(2)} GB`);
console.log(`docker save > /dev/null: median ${s.toFixed(2)} s  (${save.map((v) => v.toFixed(2)).join(', ')})`);
console.log(`slimts xray --json:      median ${x.toFixed(2)} s  (${xr.map((v) => v.toFixed(2)).join(', ')})`);
console.log(`ratio xray / save: ${(x / s).toFixed(2)}x (goal <= 1.5x)`);

// Memory stays bounded by metadata: one more run, in-process, for its peak RSS.
const { xray } = await import(join(ROOT, 'dist/xray/xray.js'));
await xray(TAG);
console.log(`peak RSS of an in-process xray: ${Math.round(process.resourceUsage().maxRSS / 1024)} MB for a ${(size / 1e9).toFixed(2)} GB image`);
