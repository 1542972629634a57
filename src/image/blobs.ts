// Shared by the OCI and docker-archive readers: small verified blobs, config parsing, and
// the parts an Image is assembled from.
import { sha256Digest } from '../util/digest.js';
import { UserError } from '../util/errors.js';
import type { LayerSpec } from './layer.js';
import { formatPlatform, platformMatches } from './platform.js';
import { readMember, type Member, type Store } from './store.js';
import type { Descriptor, ImageConfig, Manifest, Platform } from './types.js';

export interface ImageParts {
  manifest: Manifest;
  /** The exact manifest bytes (synthesized ones for a legacy docker-archive). */
  rawManifest: Buffer;
  rawConfig: Buffer;
  config: ImageConfig;
  configDigest: string;
  layers: LayerSpec[];
  /** The image's own name as the file records it (a docker-archive's RepoTags, an OCI image name annotation). */
  name?: string;
}

export interface ReadOptions {
  platform: Platform;
  /** The user asked for this platform (rather than defaulting to the host's). */
  explicitPlatform: boolean;
}

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

function blobName(digest: string, store: Store): string {
  if (!DIGEST_RE.test(digest)) throw new UserError(`unsupported digest "${digest}" in ${store.label}`);
  return `blobs/${digest.replace(':', '/')}`;
}

export async function blobMember(store: Store, digest: string, what: string): Promise<Member> {
  const m = await store.get(blobName(digest, store));
  if (!m) throw new UserError(`${what} ${digest} is missing from ${store.label}`);
  return m;
}

/** Reads a small blob and checks it against its descriptor. */
export async function loadBlob(store: Store, desc: Descriptor, what: string): Promise<Buffer> {
  const m = await blobMember(store, desc.digest, what);
  const buf = await readMember(m, `${what} ${desc.digest}`);
  const got = sha256Digest(buf);
  if (got !== desc.digest) throw new UserError(`digest mismatch for blob ${desc.digest} in ${store.label} (got ${got})`);
  if (typeof desc.size === 'number' && desc.size !== buf.length) {
    throw new UserError(`size mismatch for blob ${desc.digest} in ${store.label}: descriptor says ${desc.size}, blob has ${buf.length}`);
  }
  return buf;
}

export function parseJson<T>(buf: Buffer, what: string): T {
  try {
    return JSON.parse(buf.toString('utf8')) as T;
  } catch (err) {
    throw new UserError(`${what} is not valid JSON: ${(err as Error).message}`);
  }
}

export function parseConfig(raw: Buffer, nLayers: number, where: string): ImageConfig {
  const config = parseJson<ImageConfig>(raw, `image config in ${where}`);
  const diffIds = config?.rootfs?.diff_ids;
  if (!Array.isArray(diffIds)) throw new UserError(`image config in ${where} has no rootfs.diff_ids`);
  if (diffIds.length !== nLayers) {
    throw new UserError(`image in ${where} has ${nLayers} layers but its config lists ${diffIds.length} diff_ids`);
  }
  return config;
}

/** Single-image sources: refuse only when the user explicitly asked for another platform. */
export function checkConfigPlatform(config: ImageConfig, opts: ReadOptions, where: string): void {
  if (!opts.explicitPlatform) return;
  const have: Platform = { os: config.os, architecture: config.architecture, variant: config.variant };
  if (!platformMatches(have, opts.platform)) {
    throw new UserError(`image in ${where} is ${formatPlatform(have)}, not ${formatPlatform(opts.platform)}`);
  }
}
