// Writer throughput: one ≥ 512 MB layer from a few random files, as a ratio to sha256sum of the
// same bytes (both read from the page cache). Needs dist/: run `npx tsc -p .` first.
// BENCH_WRITER_GZIP=1 also times the gzip layer.
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
if (!existsSync(join(root, 'dist/oci/write.js'))) {
  console.error('writer bench: dist/ missing; run `npx tsc -p .` first');
  process.exit(1);
}
const { writeImage } = await import(join(root, 'dist/oci/write.js'));
const { discard } = await import(join(root, 'dist/sink/index.js'));

const FILES = 4;
const MB_EACH = 128;
const RUNS = 3;
const work = mkdtempSync(join(tmpdir(), 'slimts-bench-writer-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (s) => `${s.toFixed(2)} s`;

try {
  const files = [];
  for (let i = 0; i < FILES; i++) {
    const f = join(work, `blob${i}`);
    execFileSync('dd', ['if=/dev/urandom', `of=${f}`, 'bs=1M', `count=${MB_EACH}`, 'status=none']);
    files.push(f);
  }
  const total = files.reduce((n, f) => n + statSync(f).size, 0);
  const mb = total / 2 ** 20;
  execFileSync('cat', files, { stdio: ['ignore', 'ignore', 'inherit'] }); // warm the page cache

  const entries = () => [
    { path: '/data', type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 0, size: 0 },
    ...files.map((f, i) => ({
      path: `/data/blob${i}`, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, size: statSync(f).size,
      open: () => createReadStream(f, { highWaterMark: 1 << 20 }),
    })),
  ];
  const config = { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } };
  const timeWrite = async (gzip) => {
    const t = process.hrtime.bigint();
    const w = await writeImage({ config, history: {}, entries: entries(), gzip }, { tmpDir: work });
    const s = Number(process.hrtime.bigint() - t) / 1e9;
    await discard(w);
    return s;
  };
  const timeSha = () => {
    const t = process.hrtime.bigint();
    execFileSync('sha256sum', files, { stdio: ['ignore', 'ignore', 'inherit'] });
    return Number(process.hrtime.bigint() - t) / 1e9;
  };

  const sha = [];
  const plain = [];
  for (let i = 0; i < RUNS; i++) {
    sha.push(timeSha());
    plain.push(await timeWrite(false));
  }
  const mSha = median(sha);
  const mPlain = median(plain);
  console.log(`layer: ${FILES} files, ${mb.toFixed(0)} MB; medians of ${RUNS} runs`);
  console.log(`sha256sum          ${fmt(mSha)}  (${(mb / mSha).toFixed(0)} MB/s)`);
  console.log(`writer (tar)       ${fmt(mPlain)}  (${(mb / mPlain).toFixed(0)} MB/s)  ratio ${(mPlain / mSha).toFixed(2)}x sha256sum`);
  if (process.env.BENCH_WRITER_GZIP === '1') {
    const gz = [];
    for (let i = 0; i < RUNS; i++) gz.push(await timeWrite(true));
    const mGz = median(gz);
    console.log(`writer (tar+gzip)  ${fmt(mGz)}  (${(mb / mGz).toFixed(0)} MB/s)  ratio ${(mGz / mSha).toFixed(2)}x sha256sum`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
