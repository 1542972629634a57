// Any source to any sink: sinks take an image, not a written layout, so an image read from the
// engine, a docker-archive or an OCI layout goes to the engine, a directory, an archive or a
// registry through the same adapters, with its digests kept.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readImage } from '../../src/image/read.js';
import type { Image } from '../../src/image/types.js';
import { sendImage } from '../../src/sink/index.js';
import { UserError } from '../../src/util/errors.js';
import { BASE_IMAGE, docker, uniqueName } from '../helpers/docker.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

let work: string;
let registry: TestRegistry | undefined;
let base: Image;
const tags: string[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'slimts-any-source-'));
  registry = await startRegistry();
  base = await readImage(BASE_IMAGE);
}, 300_000);

afterAll(async () => {
  await base?.close();
  for (const t of tags) docker(['rmi', '-f', t], { allowFail: true });
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
});

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const skopeo = (transport: string) =>
  JSON.parse(execFileSync('skopeo', ['inspect', '--tls-verify=false', transport], { encoding: 'utf8' })) as { Digest: string; Layers: string[] };
const skopeoConfigDigest = (transport: string) =>
  sha(execFileSync('skopeo', ['inspect', '--tls-verify=false', '--config', '--raw', transport]));

describe('an image read from the engine goes to every sink', () => {
  // Docker 20.10 saves docker-typed manifests: they go as they are (digests kept), so the OCI
  // outputs are checked with readers that take docker types (ours, docker load), not skopeo's oci transport
  test('oci-archive and oci-dir hold its manifest and config bytes; docker loads the archive and runs it', async () => {
    const archive = join(work, 'base.tar');
    await sendImage(base, { kind: 'oci-archive', path: archive, tag: 'any/base:a' });
    const dir = join(work, 'base-dir');
    await sendImage(base, { kind: 'oci-dir', path: dir, tag: 'any/base:d' });
    for (const ref of [`oci-archive:${archive}:a`, `oci:${dir}:d`]) {
      const back = await readImage(ref);
      try {
        expect(back.rawManifest.equals(base.rawManifest)).toBe(true);
        expect(back.configDigest).toBe(base.configDigest);
        expect(back.layers.map((l) => l.digest)).toEqual(base.layers.map((l) => l.digest));
        for await (const _ of await back.layers[0]!.compressed()); // its digest is checked as it streams
      } finally {
        await back.close();
      }
    }
    const tag = `${uniqueName('slimts-any-load')}:t`;
    tags.push(tag, 'any/base:a');
    docker(['load', '-q', '-i', archive]);
    docker(['tag', 'any/base:a', tag]);
    expect(docker(['run', '--rm', tag, 'cat', '/etc/debian_version']).stdout).toMatch(/^12\./);
  }, 300_000);

  test('a registry takes it and the engine pulls and runs it; the engine sink loads it under another tag', async () => {
    const ref = `${registry!.host}/any/base:r`;
    const r = await sendImage(base, { kind: 'registry', ref });
    expect(r.manifest?.digest).toBe(sha(base.rawManifest));
    expect(skopeo(`docker://${ref}`).Digest).toBe(sha(base.rawManifest));
    tags.push(ref);
    docker(['pull', '-q', ref]);
    expect(docker(['run', '--rm', ref, 'cat', '/etc/debian_version']).stdout).toMatch(/^12\./);

    const tag = `${uniqueName('slimts-any-engine')}:t`;
    tags.push(tag);
    const e = await sendImage(base, { kind: 'engine', tag });
    expect(e.imageId).toBe(base.configDigest);
    expect(docker(['run', '--rm', tag, 'cat', '/etc/debian_version']).stdout).toMatch(/^12\./);
  }, 300_000);
});

describe('an image read from a file goes to every sink', () => {
  test("skopeo's OCI archive becomes an OCI layout skopeo and umoci read, with skopeo's digests", async () => {
    const saved = join(work, 'saved.tar');
    docker(['save', '-o', saved, BASE_IMAGE]);
    const made = join(work, 'skopeo.tar');
    execFileSync('skopeo', ['copy', '-q', `docker-archive:${saved}`, `oci-archive:${made}:s`], { stdio: 'pipe' });
    const img = await readImage(`oci-archive:${made}:s`);
    try {
      const dir = join(work, 'from-skopeo');
      await sendImage(img, { kind: 'oci-dir', path: dir, tag: 'from/skopeo:1' });
      expect(skopeo(`oci:${dir}:1`).Digest).toBe(skopeo(`oci-archive:${made}:s`).Digest);
      expect(skopeoConfigDigest(`oci:${dir}:1`)).toBe(img.configDigest); // skopeo rewrote the config when it made OCI types
      const bundle = join(work, 'bundle');
      execFileSync('umoci', ['unpack', '--image', `${dir}:1`, bundle], { stdio: 'pipe' });
      expect(readFileSync(join(bundle, 'rootfs', 'etc', 'debian_version'), 'utf8')).toMatch(/^12\./);
      rmSync(bundle, { recursive: true, force: true });
      // the docker-archive itself, straight into the engine
      const saveImg = await readImage(`docker-archive:${saved}`);
      try {
        const tag = `${uniqueName('slimts-any-save')}:t`;
        tags.push(tag);
        expect((await sendImage(saveImg, { kind: 'engine', tag })).imageId).toBe(base.configDigest);
        expect(docker(['run', '--rm', tag, 'cat', '/etc/debian_version']).stdout).toMatch(/^12\./);
      } finally {
        await saveImg.close();
      }
    } finally {
      await img.close();
    }
  }, 300_000);

  test('a blob whose bytes do not match its digest fails the sink with one line and leaves nothing', async () => {
    const dir = join(work, 'src-dir');
    await sendImage(base, { kind: 'oci-dir', path: dir, tag: 'src/dir:1' });
    // flip one byte of the first layer in place: same size, another digest
    const blob = join(dir, 'blobs', 'sha256', base.layers[0]!.digest.slice(7));
    const bytes = readFileSync(blob);
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(blob, bytes);
    const img = await readImage(`oci:${dir}:1`);
    try {
      const out = join(work, 'out');
      const err = await sendImage(img, { kind: 'oci-archive', path: join(work, 'bad.tar') }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(/digest mismatch/);
      expect((err as Error).message).not.toContain('\n');
      await expect(sendImage(img, { kind: 'oci-dir', path: out })).rejects.toThrow(/digest mismatch/);
      expect(readdirSync(work).filter((f) => f.includes('slimts-') || f === 'bad.tar' || f === 'out')).toEqual([]);
    } finally {
      await img.close();
    }
  }, 300_000);
});
