// imagebuild of a 1 MB static executable into the engine: median of 5 (goal ≤ 0.5 s), and its
// ratio to `docker load` of the same image alone; beside it a Python script with stdlib imports
// and a local module (interpreter, startup files and imports resolved on the host): its wall
// time and image size. Verify is off in the timed runs (it runs the program twice); one run
// with verify is timed apart. Needs dist/: run `npx tsc -p .` first.
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
    await imageBuild({ exe: [exe], tag, verify: false });
    build.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  const cli = [];
  for (let i = 0; i < RUNS; i++) {
    rmi();
    const t0 = process.hrtime.bigint();
    const r = spawnSync('node', [join(root, 'bin/slimts.js'), 'imagebuild', '--exe', exe, '--tag', tag, '--no-verify']);
    if (r.status !== 0) throw new Error(`slimts imagebuild failed: ${r.stderr}`);
    cli.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }

  // The same image (uncompressed layer, as the engine sink sends it) as a tar for `docker load`.
  const p = await prepare({ exe: [exe], tag });
  p.image.gzip = false;
  const written = await writeImage(p.image);
  const tar = join(dir, 'image.tar');
  try {
    await sendImage(written.image, { kind: 'oci-archive', path: tar, tag });
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

  // The Python case: stdlib imports, a lazy import, a local module.
  writeFileSync(join(dir, 'helper.py'), 'import hashlib\ndef digest(s):\n    return hashlib.sha256(s.encode()).hexdigest()[:12]\n');
  const script = join(dir, 'report.py');
  writeFileSync(script, '#!/usr/bin/python3\nimport json\nfrom collections import Counter\nimport helper\ndef main():\n    import argparse\n    a = argparse.ArgumentParser().parse_args()\n    print(json.dumps({"top": Counter("mississippi").most_common(2), "d": helper.digest("x")}))\nmain()\n', { mode: 0o755 });
  const py = [];
  let pySize = 0;
  let pyFiles = 0;
  for (let i = 0; i < RUNS; i++) {
    rmi();
    const t0 = process.hrtime.bigint();
    const r = await imageBuild({ exe: [script], tag, verify: false });
    py.push(Number(process.hrtime.bigint() - t0) / 1e9);
    pySize = r.size;
    pyFiles = r.files.length;
  }
  rmi();
  const t0 = process.hrtime.bigint();
  await imageBuild({ exe: [script], tag, verify: true });
  const pyVerified = Number(process.hrtime.bigint() - t0) / 1e9;
  const pyImage = Number(execFileSync('docker', ['image', 'inspect', tag, '--format', '{{.Size}}']).toString().trim());
  rmi();
  await imageBuild({ exe: [exe], tag, verify: false });
  const staticImage = Number(execFileSync('docker', ['image', 'inspect', tag, '--format', '{{.Size}}']).toString().trim());

  const b = median(build);
  const l = median(load);
  console.log(`exe: ${(exeSize / (1 << 20)).toFixed(2)} MiB static`);
  console.log(`imagebuild (library call) median of ${RUNS}: ${b.toFixed(3)} s  (goal ≤ ${GOAL_S} s: ${b <= GOAL_S ? 'met' : 'NOT met'})`);
  console.log(`imagebuild (CLI, incl. node start) median of ${RUNS}: ${median(cli).toFixed(3)} s`);
  console.log(`docker load -i of the same image median of ${RUNS}: ${l.toFixed(3)} s`);
  console.log(`ratio imagebuild / docker load: ${(b / l).toFixed(2)}`);
  const mib = (n) => `${(n / (1 << 20)).toFixed(1)} MiB`;
  console.log(`python script (library call, no verify) median of ${RUNS}: ${median(py).toFixed(3)} s, ${pyFiles} files, layer ${mib(pySize)}, image ${mib(pyImage)}  (static: ${b.toFixed(3)} s, image ${mib(staticImage)})`);
  console.log(`python script with verify (host run + image run): ${pyVerified.toFixed(3)} s`);
} finally {
  rmi();
  rmSync(dir, { recursive: true, force: true });
}
