// What following references costs, measured in this run (needs dist/ and the sensor):
// 1. slim size of every sample, trouble, latent and reach image with --no-references (before:
//    the trace and its static closure only) and with the default (after: references followed),
//    the total growth (budget: at most +30% in total; nginx under 10 MB), and the bytes each
//    mechanism adds (the report's references.byMechanism: a reason kind, so kinds added later
//    show up by themselves; a report without it is grouped by references.byReason);
// 2. the select stage on a ≥ 1 GB image, median of 3 (goal < 1 s).
// SLIMTS_BENCH_REFS_ONLY=NAME,NAME measures only the images whose tag contains a NAME (no select timing).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onEnd } from './on-end.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
if (!existsSync(join(root, 'dist/slim/index.js')) || !existsSync(join(root, 'sensors/build/slimts-sensor'))) {
  console.error('references bench: run `npx tsc -p . && make -C sensors` first');
  process.exit(1);
}
const { build } = await import(join(root, 'dist/slim/index.js'));
const pid = process.pid;
const outTags = [];
const rmi = (...tags) => spawnSync('docker', ['rmi', '-f', ...tags], { stdio: 'ignore' });
const size = (ref) => Number(execFileSync('docker', ['image', 'inspect', '-f', '{{.Size}}', ref]).toString().trim());
const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function slimSize(image, references) {
  const tag = `slimts-bench-refs-${pid}:${outTags.length}`;
  outTags.push(tag);
  const r = await build({ image, tag, select: { references } });
  // a build that does not verify is still measured (trace only may well not verify): said beside it
  return { size: size(tag), select: r.stages.select ?? 0, refs: r.references, ok: r.ok };
}

/** Bytes by mechanism from a report's references section. */
function mechanisms(refs) {
  const out = new Map();
  for (const m of refs.byMechanism ?? refs.byReason.map((g) => ({ mechanism: g.reason, bytes: g.bytes }))) out.set(m.mechanism, (out.get(m.mechanism) ?? 0) + m.bytes);
  return out;
}

const images = [];
for (const d of readdirSync(join(root, 'samples'), { withFileTypes: true })) {
  if (!d.isDirectory() || ['base', 'trouble', 'latent'].includes(d.name) || !existsSync(join(root, 'samples', d.name, 'Dockerfile'))) continue;
  images.push({ tag: `slimts-sample/${d.name}:1`, build: () => execFileSync('bash', [join(root, 'samples/build-samples.sh'), d.name], { stdio: 'inherit' }) });
}
for (const name of ['pyimports', 'links', 'fcaps', 'statefulinit']) {
  const dir = join(root, 'samples/trouble', name);
  if (existsSync(join(dir, 'Dockerfile'))) images.push({ tag: `slimts-trouble/${name}:1`, build: () => execFileSync('bash', [join(root, 'samples/build-image.sh'), `slimts-trouble/${name}:1`, dir], { stdio: 'inherit' }) });
}
for (const group of ['latent', 'reach']) {
  const gdir = join(root, 'samples', group);
  if (!existsSync(gdir)) continue;
  for (const d of readdirSync(gdir, { withFileTypes: true })) {
    const dir = join(gdir, d.name);
    if (d.isDirectory() && existsSync(join(dir, 'Dockerfile'))) images.push({ tag: `slimts-${group}/${d.name}:1`, build: () => execFileSync('bash', [join(root, 'samples/build-image.sh'), `slimts-${group}/${d.name}:1`, dir], { stdio: 'inherit' }) });
  }
}
const only = (process.env.SLIMTS_BENCH_REFS_ONLY ?? '').split(',').filter(Boolean);
if (only.length) images.splice(0, images.length, ...images.filter((i) => only.some((n) => i.tag.includes(n))));

let failed = false;
const dir = mkdtempSync(join(tmpdir(), 'slimts-bench-refs-'));
const big = `slimts-bench-refs-big-${pid}:1`;
const cleanup = onEnd(() => {
  rmi(...outTags, big);
  rmSync(dir, { recursive: true, force: true });
});
try {
  let before = 0;
  let after = 0;
  const total = new Map(); // mechanism → bytes over all images
  console.log('image: before (trace only, --no-references) → after (references followed) (+growth; entries and bytes references added)');
  for (const img of images) {
    img.build();
    const off = await slimSize(img.tag, false);
    const on = await slimSize(img.tag, true);
    before += off.size;
    after += on.size;
    const verified = `${off.ok ? '' : ' [trace only did not verify]'}${on.ok ? '' : ' [with references did not verify]'}`;
    console.log(`  ${img.tag}: ${mb(off.size)} → ${mb(on.size)} (+${(((on.size - off.size) / off.size) * 100).toFixed(1)}%; ${on.refs.files} entries, ${mb(on.refs.bytes)})${verified}`);
    for (const [m, b] of [...mechanisms(on.refs)].sort((a, b) => b[1] - a[1])) {
      console.log(`      ${m}: +${mb(b)}`);
      total.set(m, (total.get(m) ?? 0) + b);
    }
    if (img.tag === 'slimts-sample/nginx:1') console.log(`    nginx under 10 MB: ${on.size < 10e6 ? 'OK' : 'OVER'}`);
    // what each mechanism of what kept binaries name, and data families, added
    const mech = on.refs.byReason.filter((g) => /^(binary-|family)/.test(g.reason)).map((g) => `${g.reason} ${mb(g.bytes)}`);
    if (mech.length) console.log(`    ${mech.join(', ')}`);
  }
  const growth = (after - before) / before;
  console.log(`total: ${mb(before)} → ${mb(after)}: +${(growth * 100).toFixed(1)}% (budget +30%) ${growth <= 0.3 ? 'OK' : 'OVER'}`);
  console.log('bytes each mechanism adds, over all images:');
  for (const [m, b] of [...total].sort((a, b) => b[1] - a[1])) console.log(`  ${m}: +${mb(b)}`);

  if (only.length) throw Object.assign(new Error('(select timing skipped: images named)'), { skip: true });
  writeFileSync(join(dir, 'Dockerfile'), 'FROM slimts-sample/flask:1\nRUN mkdir -p /opt/bulk && for i in $(seq 1 40); do head -c 27000000 /dev/urandom > /opt/bulk/blob$i; done\n');
  execFileSync('docker', ['build', '-q', '-t', big, dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  const sel = [];
  for (let i = 0; i < 3; i++) sel.push((await slimSize(big, true)).select);
  const m = median(sel);
  console.log(`select stage with references on a ${(size(big) / 1e9).toFixed(2)} GB python image: median ${(m / 1000).toFixed(2)} s of 3 (goal < 1 s) ${m < 1000 ? 'OK' : 'SLOW'}`);
} catch (err) {
  if (err?.skip) console.log(err.message);
  else {
    console.error(`references bench: ${err?.stack ?? err}`);
    failed = true;
  }
} finally {
  cleanup();
}
process.exit(failed ? 1 : 0);
