// Reads an OCI image layout (a directory, an archive, or the OCI half of a Docker 25+
// `docker save`): index.json -> (nested indexes, by platform) -> manifest -> config, layers.
import { UserError } from '../util/errors.js';
import {
  blobMember,
  checkConfigPlatform,
  loadBlob,
  parseConfig,
  parseJson,
  type ImageParts,
  type ReadOptions,
} from './blobs.js';
import { CONFIG_TYPES, INDEX_TYPES, MANIFEST_TYPES, isSupportedLayerType } from './mediatypes.js';
import { formatPlatform, platformMatches } from './platform.js';
import { readMember, type Store } from './store.js';
import type { Descriptor, Manifest } from './types.js';

interface Index {
  schemaVersion: number;
  mediaType?: string;
  manifests: Descriptor[];
}

const REF_NAME = 'org.opencontainers.image.ref.name';

function isAttestation(d: Descriptor): boolean {
  return d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' || d.platform?.os === 'unknown';
}

/** Picks the descriptor to follow from an index's list. */
async function pick(store: Store, list: Descriptor[], opts: ReadOptions, where: string): Promise<Descriptor> {
  const candidates = list.filter((d) => !isAttestation(d));
  if (candidates.length === 0) throw new UserError(`no image manifests in ${where}`);
  const withPlatform = candidates.filter((d) => d.platform);
  if (withPlatform.length === 0) return candidates[0];
  const matching = withPlatform.filter((d) => platformMatches(d.platform!, opts.platform));
  const want = formatPlatform(opts.platform);
  if (matching.length === 0) {
    const have = withPlatform.map((d) => formatPlatform(d.platform!)).join(', ');
    throw new UserError(`no manifest for platform ${want} in ${where} (available: ${have})`);
  }
  // A saved multi-platform image may hold only some platforms' blobs.
  for (const d of matching) if (await store.get(`blobs/${d.digest.replace(':', '/')}`)) return d;
  throw new UserError(`the ${want} manifest ${matching[0].digest} is not present in ${where}`);
}

/**
 * The image's name from its index entry: containerd's full name, else an OCI ref.name that is a
 * name (skopeo writes "app:1"; a bare tag like "latest" names no image).
 */
function imageName(annotations: Record<string, string> | undefined): string | undefined {
  const full = annotations?.['io.containerd.image.name'];
  if (full) return full;
  const ref = annotations?.[REF_NAME];
  return ref && /[:/]/.test(ref) ? ref : undefined;
}

export async function readOciLayout(store: Store, opts: ReadOptions & { refName?: string }): Promise<ImageParts> {
  const where = store.label;
  const indexMember = await store.get('index.json');
  if (!indexMember) throw new UserError(`${where} has no index.json`);
  let index = parseJson<Index>(await readMember(indexMember, `index.json of ${where}`), `index.json of ${where}`);
  let list = index.manifests ?? [];
  if (opts.refName) {
    list = list.filter((d) => d.annotations?.[REF_NAME] === opts.refName);
    if (list.length === 0) throw new UserError(`no image named "${opts.refName}" in ${where}`);
  }
  let desc = await pick(store, list, opts, where);
  const name = imageName(desc.annotations);
  for (let depth = 0; ; depth++) {
    if (depth > 8) throw new UserError(`image indexes nested too deeply in ${where}`);
    const raw = await loadBlob(store, desc, 'manifest');
    const doc = parseJson<Index & Manifest>(raw, `manifest ${desc.digest} in ${where}`);
    const mt = doc.mediaType ?? desc.mediaType;
    if ((mt && INDEX_TYPES.has(mt)) || (!mt && Array.isArray(doc.manifests))) {
      index = doc;
      desc = await pick(store, index.manifests ?? [], opts, `index ${desc.digest} in ${where}`);
      continue;
    }
    if (mt && !MANIFEST_TYPES.has(mt)) throw new UserError(`unsupported manifest media type "${mt}" in ${where}`);
    if (!doc.config || !Array.isArray(doc.layers)) throw new UserError(`manifest ${desc.digest} in ${where} is not an image manifest`);
    return { ...(await readManifest(store, doc, mt, opts, where)), rawManifest: raw, ...(name ? { name } : {}) };
  }
}

async function readManifest(store: Store, doc: Manifest, mediaType: string | undefined, opts: ReadOptions, where: string): Promise<Omit<ImageParts, 'rawManifest'>> {
  const manifest: Manifest = { ...doc, mediaType: mediaType ?? doc.mediaType };
  if (!CONFIG_TYPES.has(manifest.config.mediaType)) {
    throw new UserError(`unsupported config media type "${manifest.config.mediaType}" in ${where}`);
  }
  for (const l of manifest.layers) {
    if (!isSupportedLayerType(l.mediaType)) throw new UserError(`unsupported layer media type "${l.mediaType}" in ${where}`);
  }
  const rawConfig = await loadBlob(store, manifest.config, 'config');
  const config = parseConfig(rawConfig, manifest.layers.length, where);
  checkConfigPlatform(config, opts, where);
  const layers = [];
  for (const [i, l] of manifest.layers.entries()) {
    const member = await blobMember(store, l.digest, 'layer');
    if (member.size !== l.size) {
      throw new UserError(`size mismatch for blob ${l.digest} in ${where}: descriptor says ${l.size}, blob has ${member.size}`);
    }
    let blobVerified = false;
    if (member.sha256 !== undefined) {
      // Hashed while it was written (engine save): check now.
      if (`sha256:${member.sha256}` !== l.digest) throw new UserError(`digest mismatch for blob ${l.digest} in ${where}`);
      blobVerified = true;
    }
    layers.push({ member, digest: l.digest, diffId: config.rootfs.diff_ids[i], mediaType: l.mediaType, blobVerified, label: where });
  }
  return { manifest, rawConfig, config, configDigest: manifest.config.digest, layers };
}
