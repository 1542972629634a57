// File sinks: OCI layout directories and archives that skopeo and umoci accept, written
// reproducibly and atomically.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { writeImage } from '../../src/oci/write.js';
import type { NewImage, WrittenImage } from '../../src/oci/types.js';
import { discard, sendImage } from '../../src/sink/index.js';
import { UserError } from '../../src/util/errors.js';
import { docker, uniqueName } from '../helpers/docker.js';
import { buildHello, dir, fromFile, listTar, readJson, scratchConfig, symlink } from './fixtures.js';

let work: string;
let hello: string;
const written: WrittenImage[] = [];
const NAME = uniqueName('slimts-files-test');

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'slimts-oci-files-'));
  hello = buildHello(work);
});
afterAll(async () => {
  for (const w of written) await discard(w);
  rmSync(work, { recursive: true, force: true });
});

const image = (): NewImage => ({
  config: scratchConfig(['/bin/hello'], { config: { Entrypoint: ['/bin/hello'], Labels: { a: 'b' } } }),
  history: { created_by: 'slimts test' },
  entries: [dir('/bin'), fromFile('/bin/hello', hello, { mtime: 1_650_000_000 }), symlink('/hello', 'bin/hello')],
  refName: `${NAME}:v1`,
  gzip: true,
});
async function write(img = image(), epoch?: number) {
  const w = await writeImage(img, { sourceDateEpoch: epoch });
  written.push(w);
  return w;
}
const skopeoInspect = (transport: string) => JSON.parse(execFileSync('skopeo', ['inspect', '--raw', transport], { encoding: 'utf8' }));
const skopeoDigest = (transport: string) =>
  JSON.parse(execFileSync('skopeo', ['inspect', transport], { encoding: 'utf8' })) as { Digest: string; Labels: Record<string, string>; Layers: string[] };

describe('oci-archive sink', () => {
  test('skopeo reads the archive; the tar is sorted with mtime 0 and root owner', async () => {
    const w = await write();
    const path = join(work, 'img.tar');
    const r = await sendImage(w.image, { kind: 'oci-archive', path });
    expect(r).toEqual({ kind: 'oci-archive', where: path });
    const info = skopeoDigest(`oci-archive:${path}:v1`);
    expect(info.Digest).toBe(w.manifestDigest);
    expect(info.Labels).toEqual({ a: 'b' });
    expect(info.Layers).toEqual([w.layerDigest]);
    expect(skopeoInspect(`oci-archive:${path}:v1`).layers[0].mediaType).toBe('application/vnd.oci.image.layer.v1.tar+gzip');
    const entries = await listTar(readFileSync(path));
    const names = entries.map((e) => e.name);
    expect(names).toEqual([
      'blobs/', 'blobs/sha256/', ...[w.configDigest, w.layerDigest, w.manifestDigest].map((d) => `blobs/sha256/${d.slice(7)}`).sort(),
      'index.json', 'manifest.json', 'oci-layout',
    ]);
    expect(entries.every((e) => e.mtime === 0 && e.uid === 0 && e.gid === 0)).toBe(true);
    expect(readdirSync(work).filter((f) => f.includes('slimts-'))).toEqual([]); // no temp file left
    // The archive carries docker's manifest.json too, so `docker load -i` takes it as is.
    const tag = `${NAME}:v1`;
    try {
      expect(docker(['load', '-q', '-i', path]).stdout).toContain(tag);
      expect(docker(['run', '--rm', tag]).stdout).toBe('hello from slimts\n');
    } finally {
      docker(['rmi', '-f', tag], { allowFail: true });
    }
  });

  test('two writes with the same SOURCE_DATE_EPOCH give byte-identical archives', async () => {
    const old = process.env.SOURCE_DATE_EPOCH;
    process.env.SOURCE_DATE_EPOCH = '1700000000';
    try {
      const a = join(work, 'a.tar');
      const b = join(work, 'b.tar');
      await sendImage((await write()).image, { kind: 'oci-archive', path: a });
      await sendImage((await write()).image, { kind: 'oci-archive', path: b });
      expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
      process.env.SOURCE_DATE_EPOCH = '1700000001';
      const c = join(work, 'c.tar');
      await sendImage((await write()).image, { kind: 'oci-archive', path: c });
      expect(readFileSync(a).equals(readFileSync(c))).toBe(false);
    } finally {
      if (old === undefined) delete process.env.SOURCE_DATE_EPOCH;
      else process.env.SOURCE_DATE_EPOCH = old;
    }
  });

  test('a sink tag renames the archived image without touching the written layout', async () => {
    const w = await write();
    const before = readFileSync(join(w.layoutDir, 'index.json'));
    const path = join(work, 'renamed.tar');
    await sendImage(w.image, { kind: 'oci-archive', path, tag: 'other/name:two' });
    expect(skopeoDigest(`oci-archive:${path}:two`).Digest).toBe(w.manifestDigest);
    expect(readFileSync(join(w.layoutDir, 'index.json')).equals(before)).toBe(true);
    // Overwrites an existing file atomically.
    await sendImage(w.image, { kind: 'oci-archive', path });
    expect(skopeoDigest(`oci-archive:${path}:v1`).Digest).toBe(w.manifestDigest);
  });

  test('missing parent directory or a directory path is a UserError', async () => {
    const w = await write();
    await expect(sendImage(w.image, { kind: 'oci-archive', path: join(work, 'nope', 'x.tar') })).rejects.toThrow(UserError);
    await expect(sendImage(w.image, { kind: 'oci-archive', path: work })).rejects.toThrow(/is a directory/);
  });
});

describe('oci-dir sink', () => {
  test('umoci unpacks the layout and skopeo inspects it', async () => {
    const w = await write();
    const path = join(work, 'layout');
    await sendImage(w.image, { kind: 'oci-dir', path });
    expect(skopeoDigest(`oci:${path}:v1`).Digest).toBe(w.manifestDigest);
    const bundle = join(work, 'bundle');
    execFileSync('umoci', ['unpack', '--image', `${path}:v1`, bundle], { stdio: 'pipe' });
    const exe = join(bundle, 'rootfs', 'bin', 'hello');
    expect(statSync(exe).size).toBe(statSync(hello).size);
    expect(statSync(exe).mtimeMs).toBe(1_650_000_000_000);
    expect(execFileSync(exe, { encoding: 'utf8' })).toBe('hello from slimts\n');
    expect(readJson(join(bundle, 'config.json')).process.args).toEqual(['/bin/hello']);
    rmSync(bundle, { recursive: true, force: true });
  });

  test('refuses a non-empty directory, fills an empty one, applies the sink tag', async () => {
    const w = await write();
    const full = join(work, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'keep'), 'x');
    const err = await sendImage(w.image, { kind: 'oci-dir', path: full }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/not empty/);
    expect(readdirSync(full)).toEqual(['keep']);

    const empty = join(work, 'empty');
    mkdirSync(empty);
    await sendImage(w.image, { kind: 'oci-dir', path: empty, tag: 'renamed:t2' });
    expect(readJson(join(empty, 'index.json')).manifests[0].annotations['org.opencontainers.image.ref.name']).toBe('t2');
    expect(readJson(join(empty, 'manifest.json'))[0].RepoTags).toEqual(['renamed:t2']);
    expect(skopeoDigest(`oci:${empty}:t2`).Digest).toBe(w.manifestDigest);
    // The written layout is still whole and can go to another sink.
    expect(existsSync(join(w.layoutDir, 'blobs', 'sha256', w.layerDigest.slice(7)))).toBe(true);
  });
});
