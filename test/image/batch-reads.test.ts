// The engine-side reader's batched reads: files asked for ahead in one batch cost one round
// trip for the lot (none of their own), land once in the reader's spill file, and read the
// same bytes and the same ELF facts as the layer reader; what landed whole is written from
// there without a byte more from the engine, and an empty file in the plan holds nothing up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Readable } from 'node:stream';
import { walkEngineImage, WALKER_PATH } from '../../src/image/engine-walk.js';
import { layerFiles, type ImageFiles } from '../../src/image/files.js';
import { readImage } from '../../src/image/read.js';
import type { EngineFiles } from '../../src/image/walk-files.js';
import type { FsEntry } from '../../src/image/types.js';
import { imageFacts } from '../../src/slim/facts.js';
import { buildSample, ensureCli } from '../slim/e2e.js';

let engine: EngineFiles;
let layers: ImageFiles;

async function bytesOf(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(Buffer.from(c as Buffer));
  return Buffer.concat(parts);
}

const sizeOf = (e: FsEntry) => e.content?.size ?? e.size;

beforeAll(async () => {
  ensureCli();
  const ref = buildSample('nginx');
  engine = (await walkEngineImage(ref, { walkerPath: WALKER_PATH })) as EngineFiles;
  layers = await layerFiles(await readImage(ref));
}, 600_000);
afterAll(async () => {
  await engine?.close();
  await layers?.close();
});

describe('engine reader, batched', () => {
  it('N files asked in one batch: no round trip of their own, the same bytes as the layer reader', () => {
    const all = [...engine.index.entries()].filter((e) => e.type === 'file' && sizeOf(e) > 0 && /^\/(etc|usr\/lib|usr\/sbin)\//.test(e.path));
    const files = [...all.slice(0, 300), ...all.slice(300).filter((e) => sizeOf(e) > 1 << 20)];
    expect(files.length).toBeGreaterThan(100);
    expect(files.some((e) => sizeOf(e) > 1 << 20)).toBe(true); // big ones are asked for by their first block
    const before = engine.readStats;
    engine.prefetch(files.map((e) => e.path));
    for (const e of files) {
      const l = layers.index.get(e.path)!;
      expect(engine.read(e, 0, 512).equals(layers.read(l, 0, 512)), e.path).toBe(true);
    }
    const after = engine.readStats;
    expect(after.batches - before.batches).toBe(1);
    expect(after.roundTrips - before.roundTrips).toBe(0);
    // the answers landed together: far fewer waits than files
    expect(after.waits - before.waits).toBeLessThan(files.length / 2);
  }, 120_000);

  it('a read nothing asked for costs one round trip', () => {
    const e = [...engine.index.entries()].find((x) => x.type === 'file' && sizeOf(x) > 0 && x.path.startsWith('/usr/share/doc/'))!;
    const before = engine.readStats.roundTrips;
    expect(engine.read(e, 0, 100).equals(layers.read(layers.index.get(e.path)!, 0, 100))).toBe(true);
    expect(engine.readStats.roundTrips - before).toBe(1);
  });

  it('kept ELF files asked whole: the same facts and strings as from the layers, written from the spill with no more engine bytes', async () => {
    const elfs = ['/usr/sbin/nginx', '/usr/lib/x86_64-linux-gnu/libcrypto.so.3', '/usr/lib/x86_64-linux-gnu/libc.so.6'];
    const before = engine.readStats;
    engine.prefetch(elfs, { whole: true });
    const fromEngine = imageFacts(engine.index, (e, off, len) => engine.read(e, off, len));
    const fromLayers = imageFacts(layers.index, (e, off, len) => layers.read(e, off, len));
    for (const p of elfs) {
      const a = fromEngine(p)!;
      const b = fromLayers(p)!;
      expect(a.elf).toEqual(b.elf);
      expect(a.strings).toEqual(b.strings);
      expect(a.strings!.paths.length, p).toBeGreaterThan(0);
    }
    const read = engine.readStats;
    expect(read.batches - before.batches).toBe(1);
    expect(read.roundTrips - before.roundTrips).toBe(0);
    const whole = elfs.reduce((n, p) => n + sizeOf(engine.index.get(p)!), 0);
    expect(read.bytes - before.bytes).toBeLessThanOrEqual(whole);

    // the write: an empty file first (the writer never opens it), then the spilled files
    const empty = [...engine.index.entries()].find((x) => x.type === 'file' && sizeOf(x) === 0)!;
    const planned = [empty, ...elfs.map((p) => engine.index.get(p)!)];
    engine.plan(planned);
    for (const e of planned.slice(1)) {
      const got = await bytesOf(await engine.open(e));
      expect(got.equals(await bytesOf(await layers.open(layers.index.get(e.path)!))), e.path).toBe(true);
    }
    expect(engine.readStats.bytes).toBe(read.bytes);
    expect(engine.readStats.roundTrips).toBe(read.roundTrips);
  }, 120_000);

  it('a planned file not in the spill streams after an empty one', async () => {
    const empty = [...engine.index.entries()].find((x) => x.type === 'file' && sizeOf(x) === 0)!;
    const big = [...engine.index.entries()].find((x) => x.type === 'file' && sizeOf(x) > 64 << 10 && x.path.startsWith('/usr/share/'))!;
    const before = engine.readStats;
    engine.plan([empty, big]);
    const got = await bytesOf(await engine.open(big));
    expect(got.equals(await bytesOf(await layers.open(layers.index.get(big.path)!)))).toBe(true);
    // from the planned stream, not read on the side through synchronous reads
    expect(engine.readStats.waits).toBe(before.waits);
  }, 120_000);
});
