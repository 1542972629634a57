// The small files of an OCI layout: oci-layout, index.json, and the docker-load manifest.json
// (Docker 20.10 reads only manifest.json; containerd stores read index.json).
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MT as MEDIA } from '../image/mediatypes.js';
import type { Descriptor, StoredImage } from '../image/types.js';
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

/** The manifest's descriptor: what an index, a registry and a referrer's subject name. */
export function manifestDescriptor(image: StoredImage): Descriptor {
  return { mediaType: image.manifest.mediaType ?? MT.manifest, digest: sha256Digest(image.rawManifest), size: image.rawManifest.length };
}

/** The naming files of an image's layout under `refName` (or unnamed). */
export function namingFiles(image: StoredImage, refName?: string): Map<string, Buffer> {
  return layoutIndexFiles({ manifest: manifestDescriptor(image), configDigest: image.configDigest, layerDigests: image.layers.map((l) => l.digest) }, refName);
}
