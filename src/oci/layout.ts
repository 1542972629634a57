// The small files of an OCI layout: oci-layout, index.json, and the docker-load manifest.json
// (Docker 20.10 reads only manifest.json; containerd stores read index.json).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MT as MEDIA } from '../image/mediatypes.js';
import type { Descriptor } from '../image/types.js';
import { sha256Digest } from '../util/digest.js';
import { parseRefName } from './refname.js';

/** The media types the writer uses: the OCI ones of the one table, src/image/mediatypes. */
export const MT = {
  index: MEDIA.ociIndex,
  manifest: MEDIA.ociManifest,
  config: MEDIA.ociConfig,
  layer: MEDIA.ociLayer,
  layerGzip: MEDIA.ociLayerGzip,
} as const;

export const blobPath = (dir: string, digest: string) => join(dir, 'blobs', 'sha256', digest.replace(/^sha256:/, ''));

/** Writes a small blob (config, manifest) and returns its descriptor. */
export async function putBlob(dir: string, mediaType: string, bytes: Buffer): Promise<Descriptor> {
  const digest = sha256Digest(bytes);
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(blobPath(dir, digest), bytes);
  return { mediaType, digest, size: bytes.length };
}

export interface LayoutImage {
  manifest: Descriptor;
  configDigest: string;
  layerDigests: string[];
}

/**
 * The small naming files of a layout: oci-layout, index.json and manifest.json, naming
 * `refName` (or nothing). Blobs do not depend on the name, so renaming is cheap.
 */
function layoutIndexFiles(m: LayoutImage, refName?: string): Map<string, Buffer> {
  const desc: Descriptor = { mediaType: m.manifest.mediaType, digest: m.manifest.digest, size: m.manifest.size };
  let repoTags: string[] | null = null;
  if (refName) {
    const r = parseRefName(refName);
    desc.annotations = {
      'io.containerd.image.name': r.full,
      'org.opencontainers.image.ref.name': r.tag,
    };
    repoTags = [r.familiar];
  }
  const rel = (d: string) => `blobs/sha256/${d.replace(/^sha256:/, '')}`;
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  return new Map([
    ['oci-layout', json({ imageLayoutVersion: '1.0.0' })],
    ['index.json', json({ schemaVersion: 2, mediaType: MT.index, manifests: [desc] })],
    ['manifest.json', json([{ Config: rel(m.configDigest), RepoTags: repoTags, Layers: m.layerDigests.map(rel) }])],
  ]);
}

/** Writes the naming files into `dir`, each atomically. */
export async function writeLayoutIndex(dir: string, m: LayoutImage, refName?: string): Promise<void> {
  for (const [name, bytes] of layoutIndexFiles(m, refName)) {
    await writeFile(join(dir, `${name}.tmp`), bytes);
    await rename(join(dir, `${name}.tmp`), join(dir, name));
  }
}

export interface LayoutInfo {
  manifest: Descriptor;
  /** The manifest JSON bytes, as stored. */
  manifestBytes: Buffer;
  configDigest: string;
  configSize: number;
  configMediaType: string;
  layers: Descriptor[];
  refName?: string;
}

/** Reads back the single image of a layout written by writeImage. */
export async function readLayout(dir: string): Promise<LayoutInfo> {
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
  const desc = index.manifests[0];
  if (!desc || index.manifests.length !== 1) throw new Error(`${dir}: expected one manifest in index.json`);
  const manifestBytes = await readFile(blobPath(dir, desc.digest));
  const man = JSON.parse(manifestBytes.toString('utf8')) as { config: Descriptor; layers: Descriptor[] };
  let refName: string | undefined;
  try {
    const dm = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { RepoTags?: string[] | null }[];
    refName = dm[0]?.RepoTags?.[0];
  } catch { /* no docker manifest: unnamed */ }
  return {
    manifest: desc,
    manifestBytes,
    configDigest: man.config.digest,
    configSize: man.config.size,
    configMediaType: man.config.mediaType,
    layers: man.layers,
    refName,
  };
}

/** The naming files of `dir`'s image under another name (the layout itself is not changed). */
export async function renamedIndexFiles(dir: string, refName: string): Promise<Map<string, Buffer>> {
  const l = await readLayout(dir);
  return layoutIndexFiles({ manifest: l.manifest, configDigest: l.configDigest, layerDigests: l.layers.map((d) => d.digest) }, refName);
}
