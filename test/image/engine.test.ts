// Reads a real multi-layer image from the engine and from every archive/layout form made
// from it (docker save, skopeo OCI dir/archive with gzip layers, a Docker 25-style archive),
// and checks the merged index is the same everywhere.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildIndex, openContent, readContentSync } from '../../src/image/fsindex.js';
import { readImage } from '../../src/image/read.js';
import { readLayerEntries } from '../../src/image/layer-entries.js';
import type { FsIndex, Image } from '../../src/image/types.js';
import { UserError } from '../../src/util/errors.js';
import { BASE_IMAGE, docker, uniqueName } from '../helpers/docker.js';

const TAG = `${uniqueName('slimts-test/image-layers')}:t`;
const LONG = 'l'.repeat(120);
const UNICODE = '/opt/naïve-файл-日本.txt';
let work: string;

const DOCKERFILE = `FROM ${BASE_IMAGE}
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends libcap2-bin >/dev/null && rm -rf /var/lib/apt/lists/*
RUN mkdir -p /opt/d/sub /opt/keep /opt/gonedir/x && echo old > /opt/d/a && echo s > /opt/d/sub/s \\
 && echo v1 > /etc/over.txt && echo gone > /etc/gone.txt && echo k > /opt/keep/k && echo y > /opt/gonedir/x/y
RUN echo v2 > /etc/over.txt && rm /etc/gone.txt && rm -rf /opt/gonedir /opt/d && mkdir /opt/d && echo new > /opt/d/n
RUN echo data > /opt/hl1 && ln /opt/hl1 /opt/hl2 && ln -s hl1 /opt/sym && ln -s /etc/over.txt /opt/abssym \\
 && mkdir -p /opt/long/${LONG} && echo long > /opt/long/${LONG}/${LONG}-file \\
 && echo unicode > "${UNICODE}"
RUN cp /usr/bin/true /opt/captrue && setcap cap_net_bind_service+ep /opt/captrue
`;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'slimts-test-engine-'));
  const ctx = join(work, 'ctx');
  execFileSync('mkdir', [ctx]);
  writeFileSync(join(ctx, 'Dockerfile'), DOCKERFILE);
  execFileSync('docker', ['build', '--network', 'host', '-q', '-t', TAG, ctx], { stdio: ['ignore', 'ignore', 'inherit'] });
});

afterAll(() => {
  docker(['rmi', '-f', TAG], { allowFail: true });
  if (work) rmSync(work, { recursive: true, force: true });
});

async function text(img: Image, idx: FsIndex, path: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of await openContent(img, idx.get(path)!)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

function summary(idx: FsIndex): string[] {
  return [...idx.entries()].map((e) => `${e.path} ${e.type} ${e.mode.toString(8)} ${e.uid}:${e.gid} ${e.content?.size ?? '-'} ${e.linkname ?? ''}`);
}

/** `docker save -o` of the test image, made once. */
function savedTar(): string {
  const file = join(work, 'save.tar');
  if (!existsSync(file)) docker(['save', '-o', file, TAG]);
  return file;
}

let engineSummaryP: Promise<string[]> | undefined;
/** The engine's merged index, the reference every other form is compared to. */
function engineSummary(): Promise<string[]> {
  engineSummaryP ??= (async () => {
    const img = await readImage(TAG);
    try {
      return summary(await buildIndex(img));
    } finally {
      await img.close();
    }
  })();
  return engineSummaryP;
}

/** The checks every source of this image must pass. */
async function checkImage(img: Image): Promise<FsIndex> {
  expect(img.layers.length).toBe(6);
  expect(img.layers.map((l) => l.diffId)).toEqual(img.config.rootfs.diff_ids);
  const idx = await buildIndex(img);
  expect(await text(img, idx, '/etc/over.txt')).toBe('v2\n');
  expect(idx.get('/etc/gone.txt')).toBeUndefined();
  expect(idx.get('/opt/gonedir')).toBeUndefined();
  expect(idx.get('/opt/gonedir/x/y')).toBeUndefined();
  expect(idx.children('/opt/d').map((e) => e.path)).toEqual(['/opt/d/n']);
  expect(await text(img, idx, '/opt/keep/k')).toBe('k\n');
  expect(idx.hardlinkGroup('/opt/hl2')).toEqual(['/opt/hl1', '/opt/hl2']);
  expect(await text(img, idx, '/opt/hl2')).toBe('data\n');
  expect(idx.get('/opt/sym')).toMatchObject({ type: 'symlink', linkname: 'hl1' });
  expect(idx.get('/opt/abssym')).toMatchObject({ type: 'symlink', linkname: '/etc/over.txt' });
  expect(await text(img, idx, `/opt/long/${LONG}/${LONG}-file`)).toBe('long\n');
  expect(await text(img, idx, UNICODE)).toBe('unicode\n');
  const cap = idx.get('/opt/captrue')!;
  expect(cap.xattrs?.['security.capability']?.readUInt32LE(4)).toBe(1 << 10);
  expect(readContentSync(img, cap, 0, 4).toString('latin1')).toBe('\x7fELF');
  expect(idx.get('/usr/bin/bash')!.layer).toBe(0);
  return idx;
}

describe('engine', () => {
  test('multi-layer image: overwrite, whiteout, opaque dir, hardlink, symlinks, xattr, long and non-ASCII names', async () => {
    const parent = mkdtempSync(join(work, 'tmp-'));
    const img = await readImage(TAG, { tmpDir: parent });
    expect(img.manifest.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(img.configDigest).toBe(docker(['image', 'inspect', '-f', '{{.Id}}', TAG]).stdout.trim());
    expect(img.manifest.layers.map((l) => l.digest)).toEqual(img.config.rootfs.diff_ids);
    // The raw layer keeps its whiteouts, as overlay2 wrote them.
    const raw: string[] = [];
    for await (const e of readLayerEntries(img.layers[3])) raw.push(e.path);
    expect(raw).toEqual(expect.arrayContaining(['/opt/d/.wh..wh..opq', '/etc/.wh.gone.txt', '/opt/.wh.gonedir', '/opt/d/n']));
    const idx = await checkImage(img);
    engineSummaryP = Promise.resolve(summary(idx));
    expect(readdirSync(parent).length).toBe(1);
    await img.close();
    await img.close();
    expect(readdirSync(parent)).toEqual([]);
    // docker: prefix names the same thing.
    const again = await readImage(`docker:${TAG}`);
    expect(again.configDigest).toBe(img.configDigest);
    await again.close();
  });

  test('missing image and wrong platform are UserErrors', async () => {
    const err = await readImage('slimts-test/image-does-not-exist:nope').catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toBe('image "slimts-test/image-does-not-exist:nope" not found in the engine');
    await expect(readImage(`docker:${TAG}`, { platform: 'linux/s390x' })).rejects.toThrow(/is linux\/amd64, not linux\/s390x/);
    await expect(readImage(TAG, { platform: 'linux' })).rejects.toThrow(/invalid platform "linux"/);
  });
});

describe('archives and layouts made from the same image', () => {
  test('docker save -o (legacy docker-archive), read in place', async () => {
    const file = savedTar();
    for (const ref of [file, `docker-archive:${file}`]) {
      const img = await readImage(ref);
      const s = await img.layers[1].seekable();
      expect(s.path).toBe(file); // no copy
      expect(summary(await checkImage(img))).toEqual(await engineSummary());
      await img.close();
    }
  });

  test('skopeo docker-archive and a gzipped docker save', async () => {
    const sk = join(work, 'skopeo-docker.tar');
    execFileSync('skopeo', ['copy', '-q', `docker-daemon:${TAG}`, `docker-archive:${sk}:${TAG}`]);
    const gz = join(work, 'save.tar.gz');
    execFileSync('sh', ['-c', `gzip -1 -c '${savedTar()}' > '${gz}'`]);
    const parent = mkdtempSync(join(work, 'tmp-'));
    for (const ref of [sk, gz]) {
      const img = await readImage(ref, { tmpDir: parent });
      expect(summary(await checkImage(img))).toEqual(await engineSummary());
      await img.close();
      expect(readdirSync(parent)).toEqual([]);
    }
  });

  test('skopeo OCI dir and OCI archive with gzip layers', async () => {
    const dir = join(work, 'oci');
    const file = join(work, 'oci.tar');
    execFileSync('skopeo', ['copy', '-q', `docker-daemon:${TAG}`, `oci:${dir}:t`]);
    execFileSync('skopeo', ['copy', '-q', `oci:${dir}:t`, `oci-archive:${file}:t`]); // reuses the gzip blobs
    for (const ref of [dir, `oci:${dir}`, `oci:${dir}:t`, file, `oci-archive:${file}`]) {
      const img = await readImage(ref);
      expect(img.manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
      expect(img.layers[0].mediaType).toBe('application/vnd.oci.image.layer.v1.tar+gzip');
      expect(summary(await checkImage(img))).toEqual(await engineSummary());
      await img.close();
    }
  });

  test('Docker 25-style save (OCI layout plus manifest.json in one tar)', async () => {
    const dir = join(work, 'oci25');
    execFileSync('skopeo', ['copy', '-q', '--dest-oci-accept-uncompressed-layers', `docker-daemon:${TAG}`, `oci:${dir}`]);
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
    const manifest = JSON.parse(readFileSync(join(dir, 'blobs', index.manifests[0].digest.replace(':', '/')), 'utf8'));
    const blob = (d: string) => `blobs/${d.replace(':', '/')}`;
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify([{ Config: blob(manifest.config.digest), RepoTags: [TAG], Layers: manifest.layers.map((l: { digest: string }) => blob(l.digest)) }]),
    );
    const file = join(work, 'save25.tar');
    execFileSync('tar', ['-C', dir, '-cf', file, 'blobs', 'index.json', 'manifest.json', 'oci-layout']);
    const oci = await readImage(file); // sniffed as OCI: real manifest digest
    expect(oci.manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect((await oci.layers[2].seekable()).path).toBe(file);
    expect(summary(await checkImage(oci))).toEqual(await engineSummary());
    await oci.close();
    const legacy = await readImage(`docker-archive:${file}`); // through manifest.json
    expect(legacy.configDigest).toBe(oci.configDigest);
    expect(summary(await checkImage(legacy))).toEqual(await engineSummary());
    await legacy.close();
  });

  test('a corrupted docker-archive layer is detected', async () => {
    const bad = join(work, 'bad.tar');
    const buf = readFileSync(savedTar());
    const i = buf.indexOf('unicode\n');
    expect(i).toBeGreaterThan(0);
    buf.write('UNICODE\n', i);
    writeFileSync(bad, buf);
    const img = await readImage(bad);
    await expect(buildIndex(img)).rejects.toThrow(/digest mismatch for blob sha256:[0-9a-f]{64} in archive .*bad\.tar/);
    await img.close();
  });
});
