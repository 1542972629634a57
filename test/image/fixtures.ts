// Hand-made layers and OCI layouts for the image reader tests (small, so built in memory).
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack as tarPack, type Header } from 'tar-stream';

export interface Spec {
  name: string;
  type?: Header['type'];
  content?: string | Buffer;
  linkname?: string;
  mode?: number;
  pax?: Record<string, string>;
}

/** A layer tar built with tar-stream, entries in the given order. */
export async function tarOf(specs: Spec[]): Promise<Buffer> {
  const p = tarPack();
  const chunks: Buffer[] = [];
  p.on('data', (c) => void chunks.push(c as Buffer));
  const done = new Promise<void>((res, rej) => {
    p.on('end', () => res());
    p.on('error', rej);
  });
  for (const s of specs) {
    const type = s.type ?? (s.content !== undefined ? 'file' : 'directory');
    const body = s.content === undefined ? undefined : Buffer.from(s.content);
    await new Promise<void>((res, rej) =>
      p.entry(
        { name: s.name, type, linkname: s.linkname, mode: s.mode ?? (type === 'directory' ? 0o755 : 0o644), mtime: new Date(1_700_000_000_000), pax: s.pax, size: body?.length ?? 0 },
        body ?? '',
        (err) => (err ? rej(err) : res()),
      ),
    );
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

export const sha = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');

export interface ImgSpec {
  layers: Buffer[];
  gzip?: boolean;
  architecture?: string;
  os?: string;
  variant?: string;
  /** Override the diff_ids written to the config. */
  diffIds?: string[];
  layerMediaType?: string;
}

export interface Written {
  dir: string;
  manifests: string[];
  configs: string[];
  layerBlobs: string[][];
}

function putBlob(dir: string, data: Buffer | string): { digest: string; size: number } {
  const buf = Buffer.from(data);
  const digest = sha(buf);
  writeFileSync(join(dir, 'blobs', 'sha256', digest.slice(7)), buf);
  return { digest, size: buf.length };
}

/**
 * Writes an OCI layout. With several images (or multi: true) index.json points at an image
 * index whose manifests carry platforms; otherwise at the single manifest.
 */
export function writeOciLayout(images: ImgSpec[], opts: { dir?: string; multi?: boolean } = {}): Written {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'slimts-test-oci-'));
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const out: Written = { dir, manifests: [], configs: [], layerBlobs: [] };
  const descs = images.map((img) => {
    const layers = img.layers.map((tar) => {
      const blob = img.gzip ? gzipSync(tar) : tar;
      const mediaType = img.layerMediaType ?? (img.gzip ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/vnd.oci.image.layer.v1.tar');
      return { mediaType, ...putBlob(dir, blob) };
    });
    const platform = { architecture: img.architecture ?? 'amd64', os: img.os ?? 'linux', ...(img.variant ? { variant: img.variant } : {}) };
    const config = { ...platform, config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: img.diffIds ?? img.layers.map((l) => sha(l)) } };
    const cfg = putBlob(dir, JSON.stringify(config));
    const manifest = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...cfg },
      layers,
    };
    const m = putBlob(dir, JSON.stringify(manifest));
    out.manifests.push(m.digest);
    out.configs.push(cfg.digest);
    out.layerBlobs.push(layers.map((l) => l.digest));
    return { mediaType: manifest.mediaType, ...m, platform };
  });
  let top;
  if (images.length > 1 || opts.multi) {
    const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: descs };
    top = { mediaType: index.mediaType, ...putBlob(dir, JSON.stringify(index)), annotations: { 'org.opencontainers.image.ref.name': 'latest' } };
  } else {
    top = { mediaType: descs[0].mediaType, digest: descs[0].digest, size: descs[0].size, annotations: { 'org.opencontainers.image.ref.name': 'latest' } };
  }
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [top] }));
  return out;
}
