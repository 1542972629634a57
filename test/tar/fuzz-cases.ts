// Mutated archives for the fuzz test, and the readers they are fed to. Deterministic: a case
// is (seed, index), so a failure names the case that reproduces it. Runs inside a worker
// thread (fuzz-worker.ts) so a hang can be cut off by the test.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { buildIndex } from '../../src/image/fsindex.js';
import { readImage } from '../../src/image/read.js';
import { UserError } from '../../src/util/errors.js';
import { NeedFallback, parseSaveStream } from '../../src/xray/engine-stream.js';
import { xray } from '../../src/xray/xray.js';
import { BLOCK, ChunkSource, ZEROS, encodeHeader, iterateTar, padding } from '../../src/tar/index.js';
import { layerTar, sha, type HandImage } from '../xray/fixtures.js';

export type Outcome = { kind: 'ok' } | { kind: 'user'; message: string } | { kind: 'crash'; message: string };

/** mulberry32: small, seedable, good enough to pick mutations. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/** A tar of regular files, written with slimts' own header writer (fast, synchronous). */
function packFiles(files: [string, Buffer][]): Buffer {
  const parts: Buffer[] = [];
  for (const [name, body] of files) {
    parts.push(encodeHeader({ name, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, size: body.length }), body, ZEROS.subarray(0, padding(body.length)));
  }
  parts.push(ZEROS);
  return Buffer.concat(parts);
}

const LAYER_GZ = 'application/vnd.oci.image.layer.v1.tar+gzip';
const LAYER = 'application/vnd.oci.image.layer.v1.tar';

/** The members of an OCI layout (name → bytes) for `img`, gzipping the layers listed. */
function ociFiles(img: HandImage, gzipLayers: number[], swap?: { layer: number; blob: Buffer }): [string, Buffer][] {
  const files: [string, Buffer][] = [];
  const put = (b: Buffer) => {
    const d = sha(b);
    files.push([`blobs/sha256/${d.slice(7)}`, b]);
    return d;
  };
  const cfg = configOf(img);
  const layers = img.layers.map((l, i) => {
    const blob = swap?.layer === i ? swap.blob : gzipLayers.includes(i) ? gzipSync(l) : l;
    return { mediaType: gzipLayers.includes(i) ? LAYER_GZ : LAYER, digest: put(blob), size: blob.length };
  });
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: put(cfg), size: cfg.length },
    layers,
  }));
  const md = put(manifest);
  files.push(['oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}')]);
  files.push(['index.json', Buffer.from(JSON.stringify({
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: md, size: manifest.length }],
  }))]);
  return files;
}

/** The members of a `docker save` archive (manifest.json, config, layer.tar files). */
function dockerFiles(img: HandImage, swap?: { layer: number; blob: Buffer }): [string, Buffer][] {
  const cfg = configOf(img);
  const cfgName = `${sha(cfg).slice(7)}.json`;
  const blobs = img.layers.map((l, i) => (swap?.layer === i ? swap.blob : l));
  const layerNames = blobs.map((l) => `${sha(l).slice(7)}/layer.tar`);
  return [
    [cfgName, cfg],
    ...blobs.map((l, i): [string, Buffer] => [layerNames[i]!, l]),
    ['manifest.json', Buffer.from(JSON.stringify([{ Config: cfgName, RepoTags: ['fuzz:latest'], Layers: layerNames }]))],
  ];
}

function configOf(img: HandImage): Buffer {
  return Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', config: {},
    rootfs: { type: 'layers', diff_ids: img.layers.map((l) => sha(l)) },
    history: img.history ?? [],
  }));
}

/** The pristine image every case starts from: every entry kind the readers handle. */
export async function baseImage(): Promise<HandImage> {
  const lower = await layerTar([
    { path: 'etc/', type: 'dir' },
    { path: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\n' },
    { path: 'usr/bin/', type: 'dir' },
    { path: 'usr/bin/app', content: Buffer.alloc(3000, 7), mode: 0o755, xattrs: { 'security.capability': '\x01\x00\x00\x02' } },
    { path: 'bin', type: 'symlink', linkname: 'usr/bin' },
    { path: 'usr/bin/app2', type: 'hardlink', linkname: 'usr/bin/app' },
    { path: `opt/${'long-name-'.repeat(12)}/file`, content: 'pax path' },
    { path: 'var/lib/dpkg/status', content: 'Package: app\nStatus: install ok installed\n\n' },
    { path: 'data/big', content: Buffer.alloc(2048, 1) },
  ]);
  const upper = await layerTar([
    { path: 'data/.wh.big', content: '' },
    { path: 'etc/.wh..wh..opq', content: '' },
    { path: 'etc/hostname', content: 'fuzz\n' },
  ]);
  return { layers: [lower, upper], history: [{ created_by: 'ADD lower' }, { created_by: 'RUN upper' }] };
}

/** Offsets of every header block (extension headers included) and names of a well-formed tar. */
async function headersOf(tar: Buffer): Promise<{ offsets: number[]; names: string[] }> {
  const offsets: number[] = [];
  const names: string[] = [];
  for await (const e of iterateTar(new ChunkSource(Readable.from([tar])))) {
    for (let o = e.headerOffset; o < e.dataOffset; o += BLOCK) offsets.push(o);
    names.push(e.name);
  }
  return { offsets, names };
}

function fixChecksum(b: Buffer, at: number): void {
  b.fill(0x20, at + 148, at + 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += b[at + i]!;
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', at + 148, 'latin1');
}

const FIELDS: Record<string, [number, number]> = {
  name: [0, 100], mode: [100, 8], uid: [108, 8], size: [124, 12], mtime: [136, 12],
  chksum: [148, 8], typeflag: [156, 1], linkname: [157, 100], magic: [257, 8], prefix: [345, 155],
};

/** Values a forged header might carry in a numeric or name field. */
function evilValue(r: Rand, field: string, len: number, names: string[]): Buffer {
  const b = Buffer.alloc(len);
  const text = (s: string) => (b.write(s.slice(0, len), 'latin1'), b);
  if (field === 'name' || field === 'linkname' || field === 'prefix') {
    return text(pick(r, ['../../etc/passwd', '/..', 'a/../../b', 'x\0y', '', '.', pick(r, names), pick(r, names) + '/sub', 'ü'.repeat(40)]));
  }
  if (field === 'typeflag') return text(pick(r, ['x', 'g', 'L', 'K', '1', '2', '5', '7', 'S', 'Z', '\0']));
  switch (Math.floor(r() * 7)) {
    case 0: // negative base-256
      b.fill(0xff);
      return b;
    case 1: // huge base-256
      b.fill(0xff);
      b[0] = 0x80;
      return b;
    case 2:
      return text(pick(r, ['-1', '-0000001', '12x', '0x10', '1e9', ' ', '9999', '7'.repeat(len - 1)]));
    case 3: // a size beyond the archive
      return text((0o777777777 + Math.floor(r() * 1000)).toString(8).padStart(len - 1, '0'));
    case 4: // base-256, plausible but large
      b[0] = 0x80;
      b.writeUIntBE(Math.floor(r() * 2 ** 40), len - 6, 6);
      return b;
    case 5:
      for (let i = 0; i < len; i++) b[i] = Math.floor(r() * 256);
      return b;
    default:
      return text(Math.floor(r() * 5000).toString(8).padStart(len - 1, '0'));
  }
}

function corruptHeader(r: Rand, tar: Buffer, offsets: number[], names: string[]): Buffer {
  const out = Buffer.from(tar);
  const at = pick(r, offsets);
  const field = pick(r, Object.keys(FIELDS));
  const [off, len] = FIELDS[field]!;
  evilValue(r, field, len, names).copy(out, at + off);
  if (field !== 'chksum' && r() < 0.9) fixChecksum(out, at);
  return out;
}

const EVIL_PAX = [
  '5 a=\n', '0 size=1\n', 'abc size=1\n', '99999999 path=x\n', '12 size=-5\n', '14 size=1e308\n',
  '30 size=99999999999999999999\n', '17 path=../../x\n', '12 uid=abc\n', '20 mtime=1.5.6.7\n',
  '11 size=12', '6 =x\n', '38 LIBARCHIVE.xattr.%E0%A4%A=AAAA\n', '13 size=0x10\n', '9 size=\n',
];

/** Inserts a PAX header with a few hostile records before a random entry. */
function evilPax(r: Rand, tar: Buffer, offsets: number[], records?: string): Buffer {
  const at = pick(r, offsets);
  const recs = Buffer.from(records ?? Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(r, EVIL_PAX)).join(''));
  const h = Buffer.alloc(BLOCK);
  h.write('PaxHeaders/x', 0, 'latin1');
  h.write('0000644\0', 100, 'latin1');
  h.write(recs.length.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
  h.write('00000000000\0', 136, 'latin1');
  h.write('x', 156, 'latin1');
  h.write('ustar\x0000', 257, 'latin1');
  fixChecksum(h, 0);
  const body = Buffer.concat([recs, Buffer.alloc((BLOCK - (recs.length % BLOCK)) % BLOCK)]);
  return Buffer.concat([tar.subarray(0, at), h, body, tar.subarray(at)]);
}

function flipBytes(r: Rand, b: Buffer): Buffer {
  const out = Buffer.from(b);
  for (let i = 1 + Math.floor(r() * 8); i > 0; i--) out[Math.floor(r() * out.length)] = Math.floor(r() * 256);
  return out;
}

const truncate = (r: Rand, b: Buffer) => b.subarray(0, Math.floor(r() * b.length));

/** One mutation of a tar. */
async function mutateTar(r: Rand, tar: Buffer): Promise<Buffer> {
  const { offsets, names } = await headersOf(tar);
  let out = tar;
  for (let n = 1 + Math.floor(r() * 2); n > 0; n--) {
    const m = Math.floor(r() * 10);
    if (m < 5) out = corruptHeader(r, out, offsets.filter((o) => o + BLOCK <= out.length), names);
    else if (m < 7) out = evilPax(r, out, offsets.filter((o) => o + BLOCK <= out.length));
    else if (m < 8) out = truncate(r, out);
    else out = flipBytes(r, out);
  }
  return out;
}

/** A gzip stream, cut, flipped or left whole around a (mutated) tar. */
function mutateGzip(r: Rand, tar: Buffer): Buffer {
  const gz = gzipSync(tar);
  const m = Math.floor(r() * 3);
  return m === 0 ? truncate(r, gz) : m === 1 ? flipBytes(r, gz) : gz;
}

export type Reader = 'docker-archive' | 'oci-archive' | 'oci-dir' | 'xray' | 'save-stream';
export const READERS: readonly Reader[] = ['docker-archive', 'oci-archive', 'oci-dir', 'xray', 'save-stream'];

async function readAll(ref: string, tmp: string): Promise<void> {
  const img = await readImage(ref, { tmpDir: tmp });
  try {
    await buildIndex(img);
  } finally {
    await img.close();
  }
}

/**
 * Builds case `index` of `seed` in `work` and feeds it to its reader. A layer mutated inside
 * an image whose digests are then recomputed reaches the layer parser; a mutated outer
 * archive tests the archive scanner; a broken gzip layer with a matching digest reaches gunzip.
 */
export async function runCase(base: HandImage, seed: number, index: number, work: string): Promise<Outcome> {
  const r = rng(seed * 1_000_003 + index);
  const reader = READERS[index % READERS.length]!;
  const dir = mkdtempSync(join(work, 'case-'));
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp);
  try {
    const where = Math.floor(r() * 3); // 0: a layer, 1: the outer archive, 2: a gzip stream
    const layers = [...base.layers];
    const li = Math.floor(r() * layers.length);
    if (where === 0) layers[li] = await mutateTar(r, layers[li]!);
    const img: HandImage = { ...base, layers };
    const gzip = where === 2 ? [li] : r() < 0.3 ? [li] : [];
    const swap = where === 2 ? { layer: li, blob: mutateGzip(r, layers[li]!) } : undefined;
    const file = join(dir, 'img.tar');
    let ref: string;
    if (reader === 'oci-dir') {
      const layout = join(dir, 'layout');
      mkdirSync(join(layout, 'blobs/sha256'), { recursive: true });
      for (const [name, body] of ociFiles(img, gzip, swap)) writeFileSync(join(layout, name), body);
      ref = `oci:${layout}`;
    } else {
      let tar = reader === 'oci-archive' ? packFiles(ociFiles(img, gzip, swap)) : packFiles(dockerFiles(img, swap));
      if (where === 1) tar = await mutateTar(r, tar);
      // A gzipped OCI archive is unpacked through the bounded gunzip first.
      if (reader === 'oci-archive' && where === 2) tar = mutateGzip(r, tar);
      writeFileSync(file, tar);
      ref = reader === 'oci-archive' ? `oci-archive:${file}` : reader === 'xray' ? file : `docker-archive:${file}`;
    }
    if (reader === 'xray') await xray(ref, { tmpDir: tmp });
    else if (reader === 'save-stream') await parseSaveStream(Readable.from([readFileSync(file)]), 'fuzz save stream', 1024);
    else await readAll(ref, tmp);
    return leftovers(tmp) ?? { kind: 'ok' };
  } catch (err) {
    const left = leftovers(tmp);
    if (left) return left;
    if (err instanceof UserError || err instanceof NeedFallback) {
      const message = (err as Error).message;
      if (!message || message.includes('\n')) return { kind: 'crash', message: `not a one-line error: ${JSON.stringify(message)}` };
      return { kind: 'user', message };
    }
    return { kind: 'crash', message: `${reader}: ${(err as Error)?.stack ?? String(err)}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A reader must remove its temp files whatever happened. */
function leftovers(tmp: string): Outcome | undefined {
  const left = readdirSync(tmp);
  return left.length ? { kind: 'crash', message: `left behind in the temp dir: ${left.join(', ')}` } : undefined;
}


/** A layer tar with one file whose header carries `size` in its size field as given. */
function forgedLayer(sizeField: Buffer | string, extra: Buffer = Buffer.alloc(0)): Buffer {
  const h = encodeHeader({ name: 'etc/forged', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, size: 0 });
  const field = Buffer.alloc(12);
  if (typeof sizeField === 'string') field.write(sizeField, 'latin1');
  else sizeField.copy(field);
  field.copy(h, 124);
  fixChecksum(h, 0);
  return Buffer.concat([extra, h, Buffer.alloc(BLOCK), ZEROS]);
}

const negative = Buffer.alloc(12, 0xff); // base-256 -1

/** A gzip stream inflating to `total` bytes of a tar holding one zero-filled file (concatenated members). */
function gzipBomb(total: number): Buffer {
  const header = encodeHeader({ name: 'zeros', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, size: total });
  const chunk = gzipSync(Buffer.alloc(64 << 20), { level: 9 });
  return Buffer.concat([gzipSync(header), ...Array.from({ length: Math.ceil(total / (64 << 20)) }, () => chunk)]);
}

/** Named cases: each hostile input the issue lists, with the one-line error it must give. */
export const NAMED: { name: string; expect: RegExp; run: (work: string) => Promise<void> }[] = [
  {
    name: 'xray of a docker-archive whose member has a negative size',
    expect: /negative size field/,
    run: async (work) => {
      const file = join(work, 'neg.tar');
      const tar = packFiles([['manifest.json', Buffer.from('[]')]]);
      Buffer.alloc(12, 0xff).copy(tar, 124);
      fixChecksum(tar, 0);
      writeFileSync(file, tar);
      await xray(file, { tmpDir: work });
    },
  },
  ...(['-1', '12x', negative, '7'.repeat(11)] as const).map((size) => ({
    name: `a layer member with size field ${JSON.stringify(typeof size === 'string' ? size : 'base-256 -1')}`,
    expect: /negative size field|invalid size field|truncated tar/,
    run: async (work: string) => {
      const layout = join(work, 'layout');
      mkdirSync(join(layout, 'blobs/sha256'), { recursive: true });
      for (const [name, body] of ociFiles({ layers: [forgedLayer(size)] }, [])) writeFileSync(join(layout, name), body);
      await readAll(`oci:${layout}`, work);
    },
  })),
  {
    name: 'a PAX size of -5',
    expect: /invalid PAX size/,
    run: async (work) => {
      const file = join(work, 'pax.tar');
      const layer = await evilPaxBefore(forgedLayer('00000000000'), paxRecord('size', '-5'));
      writeFileSync(file, packFiles(dockerFiles({ layers: [layer] })));
      await readAll(`docker-archive:${file}`, work);
    },
  },
  {
    name: 'an absurd PAX size',
    expect: /absurd member size/,
    run: async (work) => {
      const file = join(work, 'pax.tar');
      const layer = await evilPaxBefore(forgedLayer('00000000000'), paxRecord('size', '99999999999999'));
      writeFileSync(file, packFiles(dockerFiles({ layers: [layer] })));
      await readAll(`docker-archive:${file}`, work);
    },
  },
  {
    name: 'a truncated member',
    expect: /truncated/,
    run: async (work) => {
      const file = join(work, 't.tar');
      const tar = packFiles(dockerFiles({ layers: [forgedLayer('00000001000')] }));
      writeFileSync(file, tar.subarray(0, tar.length - 3 * BLOCK));
      await readAll(`docker-archive:${file}`, work);
    },
  },
  {
    name: 'two manifest.json members',
    expect: /duplicate member "manifest.json"/,
    run: async (work) => {
      const file = join(work, 'dup.tar');
      const files = dockerFiles({ layers: [forgedLayer('00000000000')] });
      writeFileSync(file, packFiles([...files, ['manifest.json', Buffer.from('[]')]]));
      await readAll(`docker-archive:${file}`, work);
    },
  },
  {
    name: 'a member climbing out of the archive',
    expect: /unsafe member/,
    run: async (work) => {
      const file = join(work, 'up.tar');
      writeFileSync(file, packFiles([...dockerFiles({ layers: [forgedLayer('00000000000')] }), ['../../evil', Buffer.from('x')]]));
      await readAll(`docker-archive:${file}`, work);
    },
  },
  {
    name: 'a layer path climbing out of the root',
    expect: /unsafe path/,
    run: async (work) => {
      const layer = Buffer.concat([encodeHeader({ name: '../../etc/x', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, size: 0 }), ZEROS]);
      const file = join(work, 'l.tar');
      writeFileSync(file, packFiles(dockerFiles({ layers: [layer] })));
      await readAll(`docker-archive:${file}`, work);
    },
  },
  {
    name: 'a gzip layer inflating to 1 GiB (decompression bomb)',
    expect: /decompression bomb/,
    run: async (work) => {
      const layout = join(work, 'bomb');
      mkdirSync(join(layout, 'blobs/sha256'), { recursive: true });
      const bomb = gzipBomb(1 << 30);
      // The config's diff_id cannot be checked before the end: any well-formed digest will do.
      for (const [name, body] of ociFiles({ layers: [Buffer.from('x')] }, [0], { layer: 0, blob: bomb })) writeFileSync(join(layout, name), body);
      await readAll(`oci:${layout}`, work);
    },
  },
];

/** A well-formed PAX record (its length counts itself). */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len++;
  return `${len}${body}`;
}

async function evilPaxBefore(tar: Buffer, records: string): Promise<Buffer> {
  return evilPax(() => 0, tar, [0], records);
}

/** Runs named case `i`: its outcome must be a one-line user error matching `expect`. */
export async function runNamed(i: number, work: string): Promise<Outcome> {
  const c = NAMED[i]!;
  const dir = mkdtempSync(join(work, 'named-'));
  try {
    await c.run(dir);
    return { kind: 'crash', message: `${c.name}: accepted` };
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    if (err instanceof UserError && c.expect.test(message) && !message.includes('\n')) return { kind: 'user', message };
    return { kind: 'crash', message: `${c.name}: ${(err as Error).stack ?? message}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
