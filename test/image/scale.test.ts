// Indexing stays linear: many entries, big contents, thousands of whiteouts and a large
// opaque dir, streamed from disk (the layers are written by tar-stream, never held whole).
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pack as tarPack } from 'tar-stream';
import { afterAll, expect, test } from 'vitest';
import { buildIndex, readContentSync } from '../../src/image/fsindex.js';
import { readImage } from '../../src/image/read.js';

const dir = mkdtempSync(join(tmpdir(), 'slimts-test-scale-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Gen = (add: (name: string, size: number, type?: 'file' | 'directory' | 'symlink') => Promise<void>) => Promise<void>;

/** Writes a layer tar to blobs/ through a stream; returns its digest and size. */
async function writeLayer(gen: Gen): Promise<{ digest: string; size: number }> {
  const p = tarPack();
  const tmp = join(dir, 'layer.tmp');
  const hash = createHash('sha256');
  const done = pipeline(p as unknown as NodeJS.ReadableStream, async function* (src: AsyncIterable<unknown>) {
    for await (const c of src) {
      hash.update(c as Buffer);
      yield c as Buffer;
    }
  }, createWriteStream(tmp));
  const fill = Buffer.alloc(1 << 20, 0x61);
  await gen(async (name, size, type = 'file') => {
    await new Promise<void>((res, rej) => {
      const s = p.entry({ name, type, size, mode: 0o644, linkname: type === 'symlink' ? 'x' : undefined }, (err) => (err ? rej(err) : res()));
      if (type === 'file') {
        for (let left = size; left > 0; left -= fill.length) s.write(fill.subarray(0, Math.min(left, fill.length)));
        s.end(Buffer.alloc(0));
      }
    });
  });
  p.finalize();
  await done;
  const digest = 'sha256:' + hash.digest('hex');
  renameSync(tmp, join(dir, 'blobs', 'sha256', digest.slice(7)));
  return { digest, size: statSync(join(dir, 'blobs', 'sha256', digest.slice(7))).size };
}

test('50k entries, 384 MiB, 10k whiteouts and a 10k-entry opaque dir index quickly', async () => {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const l0 = await writeLayer(async (add) => {
    for (let d = 0; d < 100; d++) {
      await add(`usr/d${d}/`, 0, 'directory');
      for (let f = 0; f < 200; f++) await add(`usr/d${d}/f${f}`, 100);
      for (let f = 0; f < 100; f++) await add(`usr/d${d}/s${f}`, 0, 'symlink');
    }
    for (let f = 0; f < 10_000; f++) await add(`opt/o/f${f}`, 10);
    for (let b = 0; b < 6; b++) await add(`big/b${b}`, 64 << 20);
  });
  const l1 = await writeLayer(async (add) => {
    for (let d = 0; d < 50; d++) for (let f = 0; f < 200; f++) await add(`usr/d${d}/.wh.f${f}`, 0);
    await add('opt/o/.wh..wh..opq', 0);
    await add('opt/o/new', 3);
  });
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [l0.digest, l1.digest] } });
  const cfgDigest = 'sha256:' + createHash('sha256').update(config).digest('hex');
  writeFileSync(join(dir, 'blobs', 'sha256', cfgDigest.slice(7)), config);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cfgDigest, size: config.length },
    layers: [l0, l1].map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...l })),
  });
  const mDigest = 'sha256:' + createHash('sha256').update(manifest).digest('hex');
  writeFileSync(join(dir, 'blobs', 'sha256', mDigest.slice(7)), manifest);
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: mDigest, size: manifest.length }] }));
  // Warm the page cache so the timing measures us, not the disk.
  for await (const _ of createReadStream(join(dir, 'blobs', 'sha256', l0.digest.slice(7)), { highWaterMark: 1 << 20 }));

  const t0 = performance.now();
  const img = await readImage(`oci:${dir}`);
  const idx = await buildIndex(img);
  const ms = performance.now() - t0;
  console.log(`indexed ${idx.size} entries of ${(l0.size + l1.size) >> 20} MiB in ${ms.toFixed(0)} ms`);
  expect(idx.get('/usr/d0/f0')).toBeUndefined();
  expect(idx.get('/usr/d99/f199')!.size).toBe(100);
  expect(idx.children('/opt/o').map((e) => e.path)).toEqual(['/opt/o/new']);
  expect(readContentSync(img, idx.get('/big/b5')!, (64 << 20) - 1, 8).toString()).toBe('a');
  expect(idx.size).toBe(1 + 1 + 100 + 50 * 100 + 50 * 300 + 1 + 1 + 1 + 1 + 6);
  expect(ms).toBeLessThan(15_000); // generous: a quadratic step would take minutes; CI shares CPUs
  await img.close();
});
