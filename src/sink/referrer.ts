// An artifact attached to a pushed image (an SBOM): an OCI 1.1 image manifest with
// `artifactType`, the empty config, the artifact as its one layer and the image as `subject`.
// Registries with the referrers API list it under the image's digest; for those without
// (distribution 2.x) it is also tagged by the referrers tag schema's form, `sha256-<hex>.<suffix>`,
// so `<repo>:sha256-<hex>.sbom` finds it. The artifact is pushed as an image (artifactImage)
// through the registry sink.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Descriptor, Manifest, StoredBlob, StoredImage } from '../image/types.js';
import { pushImage, registryRepo } from './registry.js';

const EMPTY_CONFIG = Buffer.from('{}');
const EMPTY_MEDIA_TYPE = 'application/vnd.oci.empty.v1+json';
const MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface Attached {
  /** `HOST/NAME@sha256:…` of the artifact manifest. */
  digestRef: string;
  /** `HOST/NAME:sha256-<hex>.<suffix>` */
  tagRef: string;
  /** True when the registry said it indexed the subject (the `OCI-Subject` header of OCI 1.1). */
  referrersApi: boolean;
}

/** The artifact's manifest: pure, so its digest is known before the push. */
export function artifactManifest(subject: Descriptor, artifactType: string, blob: Buffer, annotations: Record<string, string> = {}): Buffer {
  return Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: MANIFEST_MEDIA_TYPE,
    artifactType,
    config: { mediaType: EMPTY_MEDIA_TYPE, digest: sha256(EMPTY_CONFIG), size: EMPTY_CONFIG.length },
    layers: [{ mediaType: artifactType, digest: sha256(blob), size: blob.length }],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations,
  }));
}

/** A blob held in memory (an artifact is small). */
function bufferBlob(bytes: Buffer, mediaType: string): StoredBlob {
  return { digest: sha256(bytes), size: bytes.length, mediaType, compressed: async () => Readable.from([bytes]) };
}

/** The artifact as an image, the shape every sink takes: the empty config, the artifact its one layer. */
export function artifactImage(subject: Descriptor, artifactType: string, blob: Buffer, annotations: Record<string, string> = {}): StoredImage {
  const rawManifest = artifactManifest(subject, artifactType, blob, annotations);
  return {
    manifest: JSON.parse(rawManifest.toString('utf8')) as Manifest,
    rawManifest,
    rawConfig: EMPTY_CONFIG,
    configDigest: sha256(EMPTY_CONFIG),
    layers: [bufferBlob(blob, artifactType)],
  };
}

/** Pushes the artifact through the registry sink, tagged by the referrers tag schema. */
export async function attachArtifact(
  imageRef: string, subject: Descriptor, artifactType: string, blob: Buffer, suffix: string,
  opts: { insecure?: boolean; annotations?: Record<string, string> } = {},
): Promise<Attached> {
  const r = registryRepo(imageRef, opts.insecure);
  const tag = `${subject.digest.replace(':', '-')}.${suffix}`;
  const { manifest, headers } = await pushImage(r, artifactImage(subject, artifactType, blob, opts.annotations), tag, `${suffix} manifest`);
  const name = r.where.slice(0, r.where.lastIndexOf(':'));
  return { digestRef: `${name}@${manifest.digest}`, tagRef: `${name}:${tag}`, referrersApi: headers['oci-subject'] !== undefined };
}
