// Reads the legacy `docker save` layout (Docker < 25): manifest.json naming a config
// "<id>.json" and uncompressed "<layer>/layer.tar" files. There is no manifest blob, so one
// is synthesized (docker v2 schema 2) from the bytes.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { UserError } from '../util/errors.js';
import { sha256Digest } from '../util/digest.js';
import { checkConfigPlatform, parseConfig, parseJson, type ImageParts, type ReadOptions } from './blobs.js';
import type { LayerSpec } from './layer.js';
import { MT } from './mediatypes.js';
import { readMember, type Member, type Store } from './store.js';
import type { Descriptor, Manifest } from './types.js';

interface ArchiveEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
  LayerSources?: Record<string, Descriptor>;
}

/** "foo" and "foo:latest" name the same image; so do "docker.io/library/foo" and "foo". */
function normTag(t: string): string {
  let s = t.replace(/^docker\.io\//, '').replace(/^library\//, '');
  if (!/:[^/]+$/.test(s) && !s.includes('@')) s += ':latest';
  return s;
}

async function magic(m: Member): Promise<'gzip' | 'zstd' | 'none'> {
  const head = await readMember({ ...m, size: Math.min(4, m.size) }, 'layer');
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length === 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

async function hashMember(m: Member): Promise<string> {
  const h = createHash('sha256');
  if (m.size > 0) for await (const c of createReadStream(m.path, { start: m.offset, end: m.offset + m.size - 1 })) h.update(c as Buffer);
  return h.digest('hex');
}

export async function readDockerArchive(store: Store, opts: ReadOptions & { tag?: string }): Promise<ImageParts> {
  const where = store.label;
  const mm = await store.get('manifest.json');
  if (!mm) throw new UserError(`${where} has no manifest.json (not a docker-archive?)`);
  const entries = parseJson<ArchiveEntry[]>(await readMember(mm, `manifest.json of ${where}`), `manifest.json of ${where}`);
  if (!Array.isArray(entries) || entries.length === 0) throw new UserError(`manifest.json of ${where} lists no images`);
  let entry = entries[0];
  if (opts.tag && entries.length > 1) {
    const want = normTag(opts.tag);
    const found = entries.find((e) => e.RepoTags?.some((t) => normTag(t) === want));
    if (!found) throw new UserError(`no image tagged "${opts.tag}" in ${where}`);
    entry = found;
  }
  const cm = await store.get(entry.Config);
  if (!cm) throw new UserError(`config ${entry.Config} is missing from ${where}`);
  const rawConfig = await readMember(cm, `config of ${where}`);
  const configDigest = sha256Digest(rawConfig);
  // The config's file name is its digest ("<hex>.json" or "blobs/sha256/<hex>").
  const named = /([a-f0-9]{64})(\.json)?$/.exec(entry.Config)?.[1];
  if (named && `sha256:${named}` !== configDigest) {
    throw new UserError(`digest mismatch for blob sha256:${named} in ${where} (got ${configDigest})`);
  }
  const config = parseConfig(rawConfig, entry.Layers.length, where);
  checkConfigPlatform(config, opts, where);

  const layers: LayerSpec[] = [];
  const descs: Descriptor[] = [];
  for (const [i, name] of entry.Layers.entries()) {
    const member = await store.get(name);
    if (!member) throw new UserError(`layer ${name} is missing from ${where}`);
    const diffId = config.rootfs.diff_ids[i];
    const comp = await magic(member);
    const source = entry.LayerSources?.[diffId];
    let digest: string;
    let blobVerified = false;
    if (member.sha256 !== undefined) {
      digest = `sha256:${member.sha256}`;
      blobVerified = true;
      if (comp === 'none' && digest !== diffId) throw new UserError(`digest mismatch for layer ${diffId} in ${where} (got ${digest})`);
    } else if (comp === 'none') {
      digest = diffId; // an uncompressed layer's digest is its diff_id; checked when streamed
    } else {
      const hashed = /([a-f0-9]{64})/.exec(name)?.[1] ?? (await hashMember(member));
      digest = `sha256:${hashed}`;
    }
    const mediaType = source?.mediaType ?? (comp === 'none' ? MT.dockerLayer : comp === 'gzip' ? MT.dockerLayerGzip : MT.ociLayerZstd);
    descs.push({ mediaType, digest, size: member.size });
    layers.push({ member, digest, diffId, mediaType, blobVerified, label: where });
  }
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MT.dockerManifest,
    config: { mediaType: MT.dockerConfig, digest: configDigest, size: rawConfig.length },
    layers: descs,
  };
  const name = entry.RepoTags?.[0];
  return { manifest, rawManifest: Buffer.from(JSON.stringify(manifest)), rawConfig, config, configDigest, layers, ...(name ? { name } : {}) };
}
