// Hand-made images for xray tests: layers written entry by entry with tar-stream, then
// packed as an OCI layout dir, an OCI archive or a docker-archive, for exact control.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';
import type { TarEntry } from '../../src/image/types.js';

export interface Spec {
  path: string; // relative, no leading slash ("etc/config", "data/.wh.big")
  type?: 'file' | 'dir' | 'symlink' | 'hardlink';
  content?: string | Buffer;
  mode?: number;
  linkname?: string;
  xattrs?: Record<string, string>;
}

export const sha = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');

export async function layerTar(specs: Spec[]): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise<void>((res, rej) => {
    pack.on('end', () => res());
    pack.on('error', rej);
  });
  for (const s of specs) {
    const type = s.type ?? (s.path.endsWith('/') ? 'dir' : 'file');
    const name = s.path.replace(/\/$/, '');
    const header: Parameters<typeof pack.entry>[0] = {
      name: type === 'dir' ? name + '/' : name,
      type: type === 'hardlink' ? 'link' : type === 'dir' ? 'directory' : type,
      mode: s.mode ?? (type === 'dir' ? 0o755 : 0o644),
      uid: 0,
      gid: 0,
      mtime: new Date(0),
      linkname: s.linkname,
    };
    if (s.xattrs) header.pax = Object.fromEntries(Object.entries(s.xattrs).map(([k, v]) => [`SCHILY.xattr.${k}`, v]));
    const body = type === 'file' ? Buffer.from(s.content ?? '') : undefined;
    await new Promise<void>((res, rej) => {
      const done = (err?: Error | null) => (err ? rej(err) : res());
      if (body) pack.entry(header, body, done);
      else pack.entry(header, done);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export interface HandImage {
  layers: Buffer[]; // uncompressed tars
  history?: { created_by?: string; empty_layer?: boolean }[];
  config?: Record<string, unknown>;
}

function configOf(img: HandImage): Buffer {
  return Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2024-01-01T00:00:00Z',
      config: img.config ?? {},
      rootfs: { type: 'layers', diff_ids: img.layers.map((l) => sha(l)) },
      history: img.history ?? [],
    }),
  );
}

/** Writes an OCI layout dir (gzip on the layers listed in `gzipLayers`). */
export function writeOciLayout(dir: string, img: HandImage, gzipLayers: number[] = []): void {
  mkdirSync(join(dir, 'blobs/sha256'), { recursive: true });
  const put = (b: Buffer) => {
    const d = sha(b);
    writeFileSync(join(dir, 'blobs/sha256', d.slice(7)), b);
    return d;
  };
  const cfg = configOf(img);
  const layers = img.layers.map((l, i) => {
    const blob = gzipLayers.includes(i) ? gzipSync(l) : l;
    const mediaType = gzipLayers.includes(i) ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/vnd.oci.image.layer.v1.tar';
    return { mediaType, digest: put(blob), size: blob.length };
  });
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: put(cfg), size: cfg.length },
      layers,
    }),
  );
  const md = put(manifest);
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: md, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }],
    }),
  );
}

async function tarOf(files: [string, Buffer][]): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise<void>((res) => pack.on('end', () => res()));
  for (const [name, body] of files) {
    await new Promise<void>((res, rej) => pack.entry({ name, mode: 0o644, mtime: new Date(0) }, body, (e) => (e ? rej(e) : res())));
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Writes a docker-archive (`docker save` layout: manifest.json, config, layer.tar files). */
export async function writeDockerArchive(path: string, img: HandImage, tag = 'xray-test:latest'): Promise<void> {
  const cfg = configOf(img);
  const cfgName = `${sha(cfg).slice(7)}.json`;
  const files: [string, Buffer][] = [[cfgName, cfg]];
  const layerNames = img.layers.map((l) => `${sha(l).slice(7)}/layer.tar`);
  img.layers.forEach((l, i) => files.push([layerNames[i], l]));
  files.push(['manifest.json', Buffer.from(JSON.stringify([{ Config: cfgName, RepoTags: [tag], Layers: layerNames }]))]);
  writeFileSync(path, await tarOf(files));
}

/** Writes an OCI archive: the OCI layout dir, tarred. */
export async function writeOciArchive(path: string, img: HandImage): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'xray-ociarc-'));
  try {
    writeOciLayout(dir, img);
    const { readdirSync, readFileSync } = await import('node:fs');
    const files: [string, Buffer][] = [
      ['oci-layout', readFileSync(join(dir, 'oci-layout'))],
      ['index.json', readFileSync(join(dir, 'index.json'))],
    ];
    for (const f of readdirSync(join(dir, 'blobs/sha256'))) files.push([`blobs/sha256/${f}`, readFileSync(join(dir, 'blobs/sha256', f))]);
    writeFileSync(path, await tarOf(files));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** TarEntry lists for the pure LayerAnalyzer, from the same specs. */
export function entries(specs: Spec[]): TarEntry[] {
  return specs.map((s, i) => {
    const type = s.type ?? (s.path.endsWith('/') ? 'dir' : 'file');
    const e: TarEntry = {
      path: '/' + s.path.replace(/\/$/, ''),
      type,
      mode: s.mode ?? (type === 'dir' ? 0o755 : 0o644),
      uid: 0,
      gid: 0,
      mtime: 0,
      size: type === 'file' ? Buffer.from(s.content ?? '').length : 0,
      dataOffset: i * 1024,
    };
    if (s.linkname !== undefined) e.linkname = type === 'hardlink' ? '/' + s.linkname : s.linkname;
    if (s.xattrs) e.xattrs = Object.fromEntries(Object.entries(s.xattrs).map(([k, v]) => [k, Buffer.from(v, 'latin1')]));
    return e;
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Writes an OCI layout whose index.json points to a nested image index listing one
 * manifest per platform (as multi-platform builds do).
 */
export function writeOciMultiPlatform(dir: string, images: { os: string; architecture: string; img: HandImage }[]): void {
  mkdirSync(join(dir, 'blobs/sha256'), { recursive: true });
  const put = (b: Buffer) => {
    const d = sha(b);
    writeFileSync(join(dir, 'blobs/sha256', d.slice(7)), b);
    return d;
  };
  const manifests = images.map(({ os, architecture, img }) => {
    const cfg = Buffer.from(configOf(img).toString().replace('"architecture":"amd64"', `"architecture":"${architecture}"`).replace('"os":"linux"', `"os":"${os}"`));
    const layers = img.layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: put(l), size: l.length }));
    const m = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: put(cfg), size: cfg.length },
        layers,
      }),
    );
    return { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: put(m), size: m.length, platform: { os, architecture } };
  });
  const nested = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }));
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest: put(nested), size: nested.length, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }],
    }),
  );
}
