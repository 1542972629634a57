// The writer on its own: tar layout of the layer, PAX records, digests, config, failures.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { writeImage } from '../../src/oci/write.js';
import { discard } from '../../src/sink/index.js';
import type { WrittenImage, WriteEntry } from '../../src/oci/types.js';
import { UserError } from '../../src/util/errors.js';
import { bytes, dir, hardlink, listTar, readJson, scratchConfig, symlink } from './fixtures.js';

let work: string;
const written: WrittenImage[] = [];
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'slimts-oci-write-'));
});
afterEach(async () => {
  for (const w of written.splice(0)) await discard(w);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function write(entries: WriteEntry[], more: { gzip?: boolean; config?: ReturnType<typeof scratchConfig>; epoch?: number } = {}) {
  const w = await writeImage(
    { config: more.config ?? scratchConfig(['/x']), history: { created_by: 'test' }, entries, gzip: more.gzip, refName: 'slimts-write-test:t' },
    { tmpDir: work, sourceDateEpoch: more.epoch },
  );
  written.push(w);
  return w;
}
const blob = (w: WrittenImage, d: string) => readFileSync(join(w.layoutDir, 'blobs', 'sha256', d.slice(7)));
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
/** GNU tar's verbose listing of the layer, numeric ids, full times. */
const gnuList = (w: WrittenImage) =>
  execFileSync('tar', ['--numeric-owner', '--full-time', '-tvf', join(w.layoutDir, 'blobs', 'sha256', w.layerDigest.slice(7))], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });

describe('writeImage', () => {
  test('entries are sorted, parents first, hardlinks after targets, relative names, dirs with /', async () => {
    const w = await write([
      bytes('/b/z', 'z'),
      hardlink('/a/link', '/b/z'),
      dir('/b'),
      symlink('/a/sym', '../b/z'),
      dir('/a'),
      dir('/a-b'),
      { path: '/a/fifo', type: 'fifo', mode: 0o600, uid: 0, gid: 0, mtime: 0, size: 0 },
      { path: '/a/null', type: 'char', mode: 0o666, uid: 0, gid: 0, mtime: 0, size: 0, devmajor: 1, devminor: 3 },
    ]);
    const names = (await listTar(blob(w, w.layerDigest))).map((e) => `${e.type}:${e.name}`);
    expect(names).toEqual([
      'directory:a/', 'fifo:a/fifo', 'character-device:a/null', 'symlink:a/sym', 'directory:a-b/', 'directory:b/', 'file:b/z', 'link:a/link', // a/ subtree before a-b/
    ]);
    expect(gnuList(w)).toMatch(/^crw-rw-rw- 0\/0 +1,3 .* a\/null$/m);
    expect(gnuList(w)).toMatch(/^hrw-r--r-- .* a\/link link to b\/z$/m);
  });

  test('PAX records for long and non-ASCII names, long link targets, big ids, fractional mtime; modes and ids exact', async () => {
    const longName = `/${'n'.repeat(99)}/${'m'.repeat(150)}`;
    const longTarget = `/${'t'.repeat(200)}`;
    const w = await write([
      bytes(longName, 'x'),
      symlink('/s', longTarget),
      bytes('/é名', 'u'),
      bytes('/big', 'b', { uid: 3_000_000, gid: 4_000_000, uname: 'a-very-long-user-name-longer-than-32', gname: 'grp' }),
      bytes('/suid', 's', { mode: 0o4755, uid: 1234, gid: 1234, mtime: 1_700_000_000.25 }),
      dir('/sticky', { mode: 0o1777, mtime: 42 }),
      bytes('/sgid', 'g', { mode: 0o2711 }),
    ]);
    const byName = new Map((await listTar(blob(w, w.layerDigest))).map((e) => [e.name, e]));
    expect(byName.get(longName.slice(1))!.content!.toString()).toBe('x');
    expect(byName.get('s')!.linkname).toBe(longTarget);
    expect(byName.get('é名')!.content!.toString()).toBe('u');
    expect(byName.get('suid')!.pax!.mtime).toBe('1700000000.25');
    const list = gnuList(w);
    expect(list).toMatch(/^-rw-r--r-- 3000000\/4000000 .* big$/m);
    expect(list).toMatch(/^-rwsr-xr-x 1234\/1234 +1 2023-11-14 22:13:20\.25 suid$/m);
    expect(list).toMatch(/^drwxrwxrwt 0\/0 +0 1970-01-01 00:00:42 sticky\/$/m);
    expect(list).toMatch(/^-rwx--s--x 0\/0 .* sgid$/m);
    const names = execFileSync('tar', ['-tvf', join(w.layoutDir, 'blobs', 'sha256', w.layerDigest.slice(7))], { encoding: 'utf8' });
    expect(names).toContain('a-very-long-user-name-longer-than-32/grp');
  });

  test('xattrs are raw bytes in SCHILY.xattr records (NULs and high bytes intact)', async () => {
    const value = Buffer.from([0x00, 0xff, 0x80, 0x0a, 0x3d, 0x01, 0xc3]);
    const w = await write([bytes('/f', 'x', { xattrs: { 'user.bin': value, 'security.capability': Buffer.from([1, 0, 0, 2]) } })]);
    const layer = blob(w, w.layerDigest);
    const rec = Buffer.concat([Buffer.from(' SCHILY.xattr.user.bin='), value, Buffer.from('\n')]);
    const at = layer.indexOf(rec);
    expect(at).toBeGreaterThan(0);
    // The record's length prefix counts the whole record.
    const start = layer.lastIndexOf(0x0a, at) + 1 || layer.lastIndexOf(0, at) + 1;
    const len = Number(layer.subarray(start, at).toString());
    expect(len).toBe(at - start + rec.length);
    // GNU tar agrees with the records.
    const out = execFileSync('tar', ['--xattrs', '--xattrs-include=*', '-tvvf', join(w.layoutDir, 'blobs', 'sha256', w.layerDigest.slice(7))], { encoding: 'latin1' });
    expect(out).toMatch(/x: +7 user\.bin/);
    expect(out).toMatch(/x: +4 security\.capability/);
  });

  test('digests: diff_id of the tar, blob digest of the gzip stream, config and manifest consistent', async () => {
    const entries = () => [dir('/d'), bytes('/d/f', 'hello '.repeat(1000))];
    const plain = await write(entries());
    const gz = await write(entries(), { gzip: true });
    expect(gz.layerDiffId).toBe(plain.layerDiffId);
    expect(plain.layerDigest).toBe(plain.layerDiffId);
    expect(gz.layerDigest).not.toBe(gz.layerDiffId);
    const gzBlob = blob(gz, gz.layerDigest);
    expect(sha(gzBlob)).toBe(gz.layerDigest);
    expect(gzBlob.readUInt32LE(4)).toBe(0); // gzip header mtime
    expect(sha(gunzipSync(gzBlob))).toBe(gz.layerDiffId);
    expect(gz.blobSize).toBe(gzBlob.length);
    expect(gz.layerSize).toBe(blob(plain, plain.layerDigest).length);
    const man = readJson(join(gz.layoutDir, 'blobs', 'sha256', gz.manifestDigest.slice(7)));
    expect(man).toEqual({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: gz.configDigest, size: blob(gz, gz.configDigest).length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: gz.layerDigest, size: gzBlob.length }],
    });
    expect(readJson(join(gz.layoutDir, 'index.json')).manifests[0]).toMatchObject({
      digest: gz.manifestDigest,
      annotations: { 'org.opencontainers.image.ref.name': 't', 'io.containerd.image.name': 'docker.io/library/slimts-write-test:t' },
    });
    expect(readJson(join(gz.layoutDir, 'manifest.json'))).toEqual([
      { Config: `blobs/sha256/${gz.configDigest.slice(7)}`, RepoTags: ['slimts-write-test:t'], Layers: [`blobs/sha256/${gz.layerDigest.slice(7)}`] },
    ]);
    expect(readJson(join(gz.layoutDir, 'oci-layout'))).toEqual({ imageLayoutVersion: '1.0.0' });
  });

  test('config kept verbatim (unknown fields, key order) except rootfs, history, created', async () => {
    const config = {
      zeta: { keep: [1, 2] },
      architecture: 'amd64',
      os: 'linux',
      created: '2020-01-01T00:00:00Z',
      config: { Cmd: ['/x'], Custom: 'y', Labels: { b: '1', a: '2' } },
      rootfs: { type: 'layers', diff_ids: ['sha256:old'] },
      history: [{ created_by: 'old' }],
      alpha: null,
    } as unknown as ReturnType<typeof scratchConfig>;
    const w = await write([bytes('/x', 'x')], { config, epoch: 1_700_000_000 });
    const raw = blob(w, w.configDigest).toString();
    expect(sha(Buffer.from(raw))).toBe(w.configDigest);
    expect(Object.keys(JSON.parse(raw))).toEqual(['zeta', 'architecture', 'os', 'created', 'config', 'rootfs', 'history', 'alpha']);
    expect(JSON.parse(raw)).toEqual({
      ...config,
      created: '2023-11-14T22:13:20Z',
      rootfs: { type: 'layers', diff_ids: [w.layerDiffId] },
      history: [{ created_by: 'test', created: '2023-11-14T22:13:20Z' }],
    });
    expect(raw).toContain('"Labels":{"b":"1","a":"2"}');
  });

  test('created comes from SOURCE_DATE_EPOCH, else the epoch; a bad value is a UserError', async () => {
    const created = async () => JSON.parse(blob(await write([]), written.at(-1)!.configDigest).toString()).created;
    const old = process.env.SOURCE_DATE_EPOCH;
    try {
      delete process.env.SOURCE_DATE_EPOCH;
      expect(await created()).toBe('1970-01-01T00:00:00Z');
      process.env.SOURCE_DATE_EPOCH = '86400';
      expect(await created()).toBe('1970-01-02T00:00:00Z');
      process.env.SOURCE_DATE_EPOCH = 'yesterday';
      await expect(write([])).rejects.toThrow(UserError);
    } finally {
      if (old === undefined) delete process.env.SOURCE_DATE_EPOCH;
      else process.env.SOURCE_DATE_EPOCH = old;
    }
  });

  test('content that is shorter or longer than size fails, leaving no temp dir', async () => {
    const liar = (n: number, actual: number): WriteEntry => ({
      path: '/f', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, size: n, open: () => Readable.from([Buffer.alloc(actual)]),
    });
    await expect(write([liar(10, 9)])).rejects.toThrow(/9 bytes, expected 10/);
    await expect(write([liar(10, 11)])).rejects.toThrow(/longer than its size 10/);
    await expect(write([liar(10, 0)])).rejects.toThrow(/0 bytes, expected 10/);
    await expect(write([dir('/a'), dir('/a')])).rejects.toThrow(/duplicate/);
    await expect(write([hardlink('/l', '/missing')])).rejects.toThrow(/target not in the layer/);
    await expect(write([bytes('relative', 'x')])).rejects.toThrow(/not absolute/);
    expect(readdirSync(work)).toEqual([]);
  });

  test('entries may come from an async iterable and files stream in many chunks', async () => {
    const chunks = Array.from({ length: 300 }, (_, i) => Buffer.alloc(1000 + i, i));
    const size = chunks.reduce((n, c) => n + c.length, 0);
    async function* gen(): AsyncGenerator<WriteEntry> {
      yield dir('/d');
      yield { path: '/d/big', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, size, open: () => Readable.from(chunks) };
    }
    const w = await writeImage({ config: scratchConfig(['/x']), history: {}, entries: gen() }, { tmpDir: work });
    written.push(w);
    const e = (await listTar(blob(w, w.layerDigest))).find((x) => x.name === 'd/big')!;
    expect(e.content!.equals(Buffer.concat(chunks))).toBe(true);
    expect(readJson(join(w.layoutDir, 'manifest.json'))[0].RepoTags).toBeNull();
  });
});
