// The eStargz writer against the estargz library's own reader and verifier (built from
// Debian's Go sources): TOC, footer, chunk digests and offsets, landmarks, annotations, and a
// diff_id that is the sha256 of the blob gunzipped as one stream.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { footer, parseFooter, FOOTER_SIZE } from '../../src/oci/estargz.js';
import { estargzOrder, lookupEntries } from '../../src/oci/estargz-order.js';
import { BYTES_PER_ROUND_TRIP, FETCH_AHEAD, READ_AROUND, partialRead, readRuns } from '../../src/oci/estargz-partial.js';
import { writeImage } from '../../src/oci/write.js';
import { discard } from '../../src/sink/index.js';
import type { WriteEntry, WrittenImage } from '../../src/oci/types.js';
import { ensureStargzTools, verifyEstargz } from '../helpers/stargz.js';
import { bytes, dir, hardlink, listTar, readJson, scratchConfig, symlink } from './fixtures.js';

let work: string;
let verifier: string;
const written: WrittenImage[] = [];
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'slimts-estargz-'));
  verifier = ensureStargzTools().verify;
});
afterEach(async () => {
  for (const w of written.splice(0)) await discard(w);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const blobFile = (w: WrittenImage, d: string) => join(w.layoutDir, 'blobs', 'sha256', d.slice(7));
// deterministic bytes that do not compress to nothing
const noise = (n: number, seed: number) => {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
};

function tree(): WriteEntry[] {
  return [
    dir('/'),
    dir('/usr'), dir('/usr/lib'), dir('/usr/bin'), dir('/etc'), dir('/app'),
    symlink('/lib', 'usr/lib'),
    bytes('/usr/lib/libbig.so', noise(300_000, 1), { mode: 0o755 }),
    bytes('/usr/lib/libsmall.so', 'small library', { mode: 0o755 }),
    bytes('/usr/bin/tool', noise(5000, 2), { mode: 0o4755, uid: 0, gid: 0 }),
    hardlink('/usr/bin/tool2', '/usr/bin/tool'),
    bytes('/etc/empty', ''),
    bytes('/etc/conf', 'key=value\n', { uid: 1000, gid: 1000, uname: 'app', gname: 'app' }),
    bytes('/app/server', noise(70_000, 3), { mode: 0o755, xattrs: { 'user.note': Buffer.from([0, 1, 2, 255]) } }),
    bytes('/app/unused', noise(20_000, 4)),
    { path: '/app/null', type: 'char', mode: 0o666, uid: 0, gid: 0, mtime: 0, size: 0, devmajor: 1, devminor: 3 },
  ];
}

async function write(entries: WriteEntry[], prefetch: string[], chunkSize?: number, more: { later?: string[]; resident?: Map<string, Array<[number, number]>> } = {}) {
  const w = await writeImage(
    { config: scratchConfig(['/app/server']), history: { created_by: 'test' }, entries, gzip: true, estargz: { prefetch, chunkSize, ...more }, refName: 'slimts-estargz-test:t' },
    { tmpDir: work },
  );
  written.push(w);
  const manifest = readJson(blobFile(w, w.manifestDigest));
  const config = readJson(blobFile(w, w.configDigest));
  return { w, layer: manifest.layers[0], config, blob: blobFile(w, w.layerDigest) };
}

describe('eStargz writer', () => {
  test('the estargz library opens the blob, its TOC digest matches the annotation, and every chunk verifies at its own offset', async () => {
    // 64 KiB chunks: the 300 KB library spans 5 chunks, each its own gzip member
    const { w, layer, config, blob } = await write(tree(), ['/app/server', '/lib/libbig.so', '/usr/bin/tool2', '/etc/conf'], 64 << 10);
    expect(layer.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+gzip');
    const toc = layer.annotations['containerd.io/snapshot/stargz/toc.digest'];
    expect(toc).toMatch(/^sha256:[0-9a-f]{64}$/);
    const v = verifyEstargz(verifier, blob, toc);
    expect(v.tocDigest).toBe(toc);
    expect(w.estargz?.tocDigest).toBe(toc);
    // regular files: 7 + the landmark (the hardlink is its target's entry)
    expect(v.files).toBe(8);
    expect(v.chunks).toBe(Math.ceil(300_000 / 65536) + 1 + 1 + 2 + 1 + 1 + 1);
    // diff_id: the blob gunzipped as one stream (what an engine unaware of eStargz computes)
    const raw = gunzipSync(readFileSync(blob));
    expect(sha(raw)).toBe(config.rootfs.diff_ids[0]);
    expect(v.diffID).toBe(config.rootfs.diff_ids[0]);
    expect(layer.annotations['io.containers.estargz.uncompressed-size']).toBe(String(raw.length));
    expect(w.layerSize).toBe(raw.length);
    expect(layer.digest).toBe(sha(readFileSync(blob)));
    expect(layer.size).toBe(readFileSync(blob).length);
  });

  test('the verifier catches a chunk whose bytes do not match its digest', async () => {
    const { blob, layer } = await write(tree(), ['/app/server']);
    const buf = readFileSync(blob);
    const toc = layer.annotations['containerd.io/snapshot/stargz/toc.digest'];
    // the first member after the root's headers: /app/server's content, stored compressed;
    // re-deflate a changed copy of it at the same place so the gzip framing stays valid
    const tocOffset = parseFooter(buf.subarray(buf.length - FOOTER_SIZE))!;
    const entries = JSON.parse((await listTar(gunzipSync(buf.subarray(tocOffset))))[0]!.content!.toString()).entries as Array<{ name: string; offset?: number }>;
    const server = entries.find((e) => e.name === 'app/server')!;
    const next = entries.map((e) => e.offset ?? 0).filter((o) => o > server.offset!).sort((a, b) => a - b)[0]!;
    const member = gunzipSync(buf.subarray(server.offset!, next));
    member[100] ^= 0xff;
    // stored (level 0) and padded so every later offset, and so the TOC and footer, stay put
    let z = gzipSync(member, { level: 0 });
    expect(z.length).toBeGreaterThan(next - server.offset!);
    z = gzipSync(member, { level: 9 });
    expect(z.length).toBeLessThanOrEqual(next - server.offset!);
    const bad = Buffer.from(buf);
    z.copy(bad, server.offset!);
    const badFile = join(work, 'bad.blob');
    writeFileSync(badFile, bad);
    expect(() => verifyEstargz(verifier, badFile, toc)).toThrow(/server: chunk at \d+ .* does not match its chunkDigest/);
  });

  test('the prefetch range holds the first-read files in first-access order, each after the dirs and links it needs', async () => {
    const { blob, w } = await write(tree(), ['/app/server', '/lib/libbig.so', '/usr/bin/tool2', '/nonexistent', '/etc'], 64 << 10);
    const v = verifyEstargz(verifier, blob);
    expect(v.noPrefetch).toBe(false);
    expect(v.prefetchLandmark).toBeGreaterThan(0);
    // "/lib" is a symlink to usr/lib: the file it reaches is fetched; tool2 is a hardlink: its target
    expect(v.prefetch).toEqual(['/app/server', '/usr/lib/libbig.so', '/usr/bin/tool']);
    expect(w.estargz?.prefetchFiles).toEqual(['/app/server', '/usr/lib/libbig.so', '/usr/bin/tool']);
    // as a tar: every entry's parent before it, the symlink before what it leads to, link after target
    const names = (await listTar(gunzipSync(readFileSync(blob)))).map((e) => e.name);
    expect(names.slice(0, 9)).toEqual([
      './', 'app/', 'app/server', 'lib', 'usr/', 'usr/lib/', 'usr/lib/libbig.so', 'usr/bin/', 'usr/bin/tool',
    ]);
    expect(names[9]).toBe('usr/bin/tool2');
    expect(names[10]).toBe('.prefetch.landmark');
    expect(names.at(-1)).toBe('stargz.index.json');
    expect(new Set(names).size).toBe(names.length);
  });

  test('a file start-up only dipped into follows the landmark, cut into chunks at the runs it touched; later reads follow it', async () => {
    const MiB = 1 << 20;
    const entries = [...tree(), bytes('/app/data.img', noise(24 * MiB, 5)), bytes('/app/late', noise(1000, 6))];
    // the data image: two small runs read; libbig: read through (a library the start runs through)
    const resident = new Map<string, Array<[number, number]>>([
      ['/app/data.img', [[0, 8192], [12 * MiB, 12 * MiB + 4096]]],
      ['/usr/lib/libbig.so', [[0, 300_000]]],
    ]);
    const { blob, w } = await write(entries, ['/app/server', '/app/data.img', '/lib/libbig.so'], MiB, { later: ['/app/late'], resident });
    const v = verifyEstargz(verifier, blob);
    expect(v.prefetch).toEqual(['/app/server', '/usr/lib/libbig.so']);
    expect(w.estargz?.partialFiles).toEqual(['/app/data.img']);
    const buf = readFileSync(blob);
    const tocOffset = parseFooter(buf.subarray(buf.length - FOOTER_SIZE))!;
    const toc = JSON.parse((await listTar(gunzipSync(buf.subarray(tocOffset))))[0]!.content!.toString()).entries as Array<{ name: string; type: string; offset?: number; chunkOffset?: number; chunkSize?: number }>;
    const landmark = toc.find((e) => e.name === '.prefetch.landmark')!.offset!;
    const chunks = toc.filter((e) => e.name === 'app/data.img');
    // right after the landmark, before what was read later
    expect(chunks[0]!.offset).toBeGreaterThan(landmark);
    expect(chunks[0]!.offset).toBeLessThan(toc.find((e) => e.name === 'app/late')!.offset!);
    // chunks start at 0, at each run's end and start (read-around included), and every MiB between
    const starts = chunks.map((c) => c.chunkOffset ?? 0);
    const end1 = 8192 + READ_AROUND;
    const run2 = [12 * MiB - READ_AROUND, 12 * MiB + 4096 + READ_AROUND] as const;
    expect(starts).toEqual([
      0, end1, ...Array.from({ length: 11 }, (_, i) => end1 + (i + 1) * MiB), run2[0], run2[1],
      ...Array.from({ length: 11 }, (_, i) => run2[1] + (i + 1) * MiB),
    ]);
    // every chunk but the last names its size; the estargz library found each (verify walked them)
    expect(chunks.slice(0, -1).every((c, i) => c.chunkSize === starts[i + 1]! - starts[i]!)).toBe(true);
    expect(chunks.at(-1)!.chunkSize).toBeUndefined();
  });

  test('nothing read: .no.prefetch.landmark leads and no prefetch landmark is written', async () => {
    const { blob } = await write(tree(), []);
    const v = verifyEstargz(verifier, blob);
    expect(v.noPrefetch).toBe(true);
    expect(v.prefetchLandmark).toBeNull();
    const names = (await listTar(gunzipSync(readFileSync(blob)))).map((e) => e.name);
    expect(names.slice(0, 2)).toEqual(['./', '.no.prefetch.landmark']);
  });

  test('the TOC carries metadata the snapshotter serves without fetching: modes, owners, links, xattrs, devices', async () => {
    const { blob } = await write(tree(), ['/app/server']);
    const buf = readFileSync(blob);
    const tocOffset = parseFooter(buf.subarray(buf.length - FOOTER_SIZE))!;
    const tocTar = gunzipSync(buf.subarray(tocOffset, buf.length - FOOTER_SIZE));
    const [tocFile] = await listTar(tocTar);
    expect(tocFile!.name).toBe('stargz.index.json');
    const toc = JSON.parse(tocFile!.content!.toString()) as { version: number; entries: Array<Record<string, unknown>> };
    expect(toc.version).toBe(1);
    const by = (n: string) => toc.entries.find((e) => e.name === n)!;
    expect(by('usr/bin/tool')).toMatchObject({ type: 'reg', mode: 0o4755, size: 5000, modtime: '2020-09-13T12:26:40Z' });
    expect(by('usr/bin/tool').digest).toBe(sha(noise(5000, 2)));
    expect(by('usr/bin/tool2')).toMatchObject({ type: 'hardlink', linkName: 'usr/bin/tool' });
    expect(by('lib')).toMatchObject({ type: 'symlink', linkName: 'usr/lib' });
    expect(by('etc/conf')).toMatchObject({ uid: 1000, gid: 1000, userName: 'app', groupName: 'app' });
    expect(by('app/server').xattrs).toEqual({ 'user.note': Buffer.from([0, 1, 2, 255]).toString('base64') });
    expect(by('app/null')).toMatchObject({ type: 'char', devMajor: 1, devMinor: 3 });
    expect(by('etc/empty')).toMatchObject({ type: 'reg', digest: sha(Buffer.alloc(0)) });
    expect(by('etc/empty').offset).toBeUndefined();
  });

  test('output is reproducible: same entries, same blob and TOC', async () => {
    const a = await write(tree(), ['/app/server']);
    const b = await write(tree(), ['/app/server']);
    expect(a.w.layerDigest).toBe(b.w.layerDigest);
    expect(a.w.manifestDigest).toBe(b.w.manifestDigest);
  });

  test('a file whose content is shorter than its size fails the write and leaves no layout', async () => {
    const bad: WriteEntry = { ...bytes('/x', 'abc'), size: 10 };
    await expect(write([dir('/'), bad], [])).rejects.toThrow(/is 3 bytes, expected 10/);
  });
});

describe('footer', () => {
  test('51 bytes, an empty gzip member naming the TOC offset in its extra field', () => {
    const f = footer(0x1234abcd);
    expect(f.length).toBe(51);
    expect(gunzipSync(f).length).toBe(0);
    expect(f.subarray(16, 38).toString()).toBe('000000001234abcdSTARGZ');
    expect(parseFooter(f)).toBe(0x1234abcd);
    expect(parseFooter(Buffer.alloc(51))).toBeNull();
  });
});

describe('partialRead', () => {
  const MiB = 1 << 20;
  test('left out of the prefetch when the untouched bytes pay for the round trips of the touched runs', () => {
    // 2 runs, read-around added and runs closer than twice it joined
    const end1 = 104_096 + READ_AROUND;
    const run2 = [32 * MiB - READ_AROUND, 32 * MiB + 4096 + READ_AROUND] as const;
    expect(partialRead(64 * MiB, [[0, 4096], [100_000, 104_096], [32 * MiB, 32 * MiB + 4096]], 4 * MiB)).toEqual({
      // each run starts and ends a chunk; a miss fetches its run and what follows
      cuts: [end1, run2[0], run2[1]],
      fetched: end1 + FETCH_AHEAD + run2[1] - run2[0] + FETCH_AHEAD,
    });
  });

  test('a file start-up mostly ran through, or too small to save a round trip, is prefetched whole', () => {
    expect(partialRead(8 * MiB, [[0, 5 * MiB]], 4 * MiB)).toBeUndefined();
    expect(partialRead(BYTES_PER_ROUND_TRIP, [[0, 4096]], 4 * MiB)).toBeUndefined();
    // runs scattered over the whole file (code pages): each miss fetches ahead, nothing is left out
    const scattered = Array.from({ length: 40 }, (_, i): [number, number] => [i * MiB, i * MiB + 4096]);
    expect(partialRead(40 * MiB, scattered, 4 * MiB)).toBeUndefined();
    // one run at the start of a big file: one miss; of a file barely bigger than what a miss fetches: no gain
    expect(partialRead(32 * MiB, [[0, 4096]], 4 * MiB)).toBeDefined();
    expect(partialRead(FETCH_AHEAD + MiB, [[0, 4096]], 4 * MiB)).toBeUndefined();
    expect(partialRead(8 * MiB, [], 4 * MiB)).toBeUndefined();
  });
});

describe('readRuns', () => {
  const MiB = 1 << 20;
  test('the page cache when it shows at most half the file (mapped pages added); else the mapped pages, which hold no readahead', () => {
    expect(readRuns(10 * MiB, [[0, MiB], [5 * MiB, 6 * MiB]], [[8 * MiB, 8 * MiB + 4096]])).toEqual([[0, MiB], [5 * MiB, 6 * MiB], [8 * MiB, 8 * MiB + 4096]]);
    // a mapped file whose cache the kernel's read-around filled: what the app touched
    expect(readRuns(10 * MiB, [[0, 9 * MiB]], [[0, 4096], [4 * MiB, 4 * MiB + 8192]])).toEqual([[0, 4096], [4 * MiB, 4 * MiB + 8192]]);
    // read through (not mapped): prefetched whole later on
    expect(readRuns(10 * MiB, [[0, 10 * MiB]])).toEqual([[0, 10 * MiB]]);
    expect(readRuns(10 * MiB)).toBeUndefined();
  });
});

describe('estargzOrder', () => {
  test('symlink loops and paths outside the layer are ignored', () => {
    const entries = [dir('/'), symlink('/a', 'b'), symlink('/b', 'a'), bytes('/f', 'x')];
    expect(lookupEntries(new Map(entries.map((e) => [e.path, e])), '/a/x')).toEqual([]);
    const plan = estargzOrder(entries, ['/a/x', '/missing', '/f']);
    expect(plan.prefetchFiles).toEqual(['/f']);
    expect(plan.entries.map((e) => e.path)).toEqual(['/', '/f', '/.prefetch.landmark', '/a', '/b']);
  });

  test('a lookup is src/elf\'s resolvePath: after ".." the final entry is the directory reached', () => {
    const entries = [dir('/'), dir('/d'), bytes('/d/f', 'x'), symlink('/up', 'd/f/..')];
    const byPath = new Map(entries.map((e) => [e.path, e]));
    // "/up" ends at the directory /d: no file is reached, nothing needs prefetching
    expect(lookupEntries(byPath, '/up').map((e) => e.path)).toEqual(['/up', '/d', '/d']);
    expect(estargzOrder(entries, ['/up']).prefetchFiles).toEqual([]);
    // "/up/f" passes /d/f only to leave it with "..": /d/f is met once, as the final entry
    expect(lookupEntries(byPath, '/up/f').map((e) => e.path)).toEqual(['/up', '/d', '/d/f']);
  });

  test('an old landmark or TOC entry in the input is dropped', () => {
    const plan = estargzOrder([dir('/'), bytes('/.prefetch.landmark', 'x'), bytes('/stargz.index.json', '{}'), bytes('/f', 'x')], []);
    expect(plan.entries.map((e) => e.path)).toEqual(['/', '/.no.prefetch.landmark', '/f']);
  });
});
