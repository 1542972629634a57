// imagebuild of a 1 MB static executable into the engine: median of 5 (goal ≤ 0.5 s), and its
// ratio to `docker load` of the same image alone. Needs dist/: run `npx tsc -p .` first.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
if (!existsSync(join(root, 'dist/imagebuild/index.js'))) {
  console.error('imagebuild bench: dist/ missing; run `npx tsc -p .` first');
  process.exit(1);
}
const { imageBuild, prepare } = await import(join(root, 'dist/imagebuild/index.js'));
const { writeImage } = await import(join(root, 'dist/oci/write.js'));
const { sendImage, discard } = await import(join(root, 'dist/sink/index.js'));

const RUNS = 5;
const GOAL_S = 0.5;
const tag = `slimts-bench-imagebuild-${process.pid}:latest`;
const dir = mkdtempSync(join(tmpdir(), 'slimts-bench-ib-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rmi = () => spawnSync('docker', ['rmi', '-f', tag], { stdio: 'ignore' });

try {
  // 1 MB of initialised data makes the executable ~1 MB on disk.
  writeFileSync(
    join(dir, 'big.c'),
    '#include <stdio.h>\nstatic const char pad[1 << 20] = {1};\nint main(int c, char **v){ (void)v; printf("%d\\n", pad[c]); return 0; }\n',
  );
  const exe = join(dir, 'big');
  execFileSync('musl-gcc', ['-static', '-O2', '-o', exe, join(dir, 'big.c')]);
  const exeSize = statSync(exe).size;

  const build = [];
  for (let i = 0; i < RUNS; i++) {
    rmi();
    const t0 = process.hrtime.bigint();
    await imageBuild({ exe: [exe], tag });
    build.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  const cli = [];
  for (let i = 0; i < RUNS; i++) {
    rmi();
    const t0 = process.hrtime.bigint();
    const r = spawnSync('node', [join(root, 'bin/slimts.js'), 'imagebuild', '--exe', exe, '--tag', tag]);
    if (r.status !== 0) throw new Error(`slimts imagebuild failed: ${r.stderr}`);
    cli.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }

  // The same image (uncompressed layer, as the engine sink sends it) as a tar for `docker load`.
  const p = await prepare({ exe: [exe], tag });
  p.image.gzip = false;
  const written = await writeImage(p.image);
  const tar = join(dir, 'image.tar');
  try {
    await sendImage(written, { kind: 'oci-archive', path: tar, tag });
  } finally {
    await discard(written);
  }
  const load = [];
  for (let i = 0; i < RUNS; i++) {
    rmi();
    const t0 = process.hrtime.bigint();
    execFileSync('docker', ['load', '-q', '-i', tar], { stdio: 'ignore' });
    load.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }

  const b = median(build);
  const l = median(load);
  console.log(`exe: ${(exeSize / (1 << 20)).toFixed(2)} MiB static`);
  console.log(`imagebuild (library call) median of ${RUNS}: ${b.toFixed(3)} s  (goal ≤ ${GOAL_S} s: ${b <= GOAL_S ? 'met' : 'NOT met'})`);
  console.log(`imagebuild (CLI, incl. node start) median of ${RUNS}: ${median(cli).toFixed(3)} s`);
  console.log(`docker load -i of the same image median of ${RUNS}: ${l.toFixed(3)} s`);
  console.log(`ratio imagebuild / docker load: ${(b / l).toFixed(2)}`);
} finally {
  rmi();
  rmSync(dir, { recursive: true, force: true });
}
