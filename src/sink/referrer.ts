// An artifact attached to a pushed image (an SBOM): an OCI 1.1 image manifest with
// `artifactType`, the empty config, the artifact as its one layer and the image as `subject`.
// Registries with the referrers API list it under the image's digest; for those without
// (distribution 2.x) it is also tagged by the referrers tag schema's form, `sha256-<hex>.<suffix>`,
// so `<repo>:sha256-<hex>.sbom` finds it.
import { createHash } from 'node:crypto';
import type { Descriptor } from '../image/types.js';
import { UserError } from '../util/errors.js';
import { putBlob, registryRepo } from './registry.js';

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

export async function attachArtifact(
  imageRef: string, subject: Descriptor, artifactType: string, blob: Buffer, suffix: string,
  opts: { insecure?: boolean; annotations?: Record<string, string> } = {},
): Promise<Attached> {
  const r = registryRepo(imageRef, opts.insecure);
  await putBlob(r, sha256(EMPTY_CONFIG), EMPTY_CONFIG.length, () => EMPTY_CONFIG);
  await putBlob(r, sha256(blob), blob.length, () => blob);
  const manifest = artifactManifest(subject, artifactType, blob, opts.annotations);
  const digest = sha256(manifest);
  const tag = `${subject.digest.replace(':', '-')}.${suffix}`;
  const put = await r.call(new URL(`${r.repo}/manifests/${tag}`, r.base), 'PUT', {
    'Content-Type': MANIFEST_MEDIA_TYPE, 'Content-Length': manifest.length,
  }, manifest, [201]);
  const stored = put.headers['docker-content-digest'];
  if (typeof stored === 'string' && stored !== digest) throw new UserError(`registry: ${r.domain} stored the ${suffix} manifest as ${stored}, expected ${digest}`);
  const name = r.where.slice(0, r.where.lastIndexOf(':'));
  return { digestRef: `${name}@${digest}`, tagRef: `${name}:${tag}`, referrersApi: put.headers['oci-subject'] !== undefined };
}
