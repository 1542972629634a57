// Puts a base image's layers under the one layer writeImage wrote, by rewriting the small
// files of its OCI layout (config, manifest, index.json, manifest.json). Base layers are
// stored uncompressed (their digest is their diff_id), so no recompression is needed.
import { createWriteStream } from 'node:fs';
import { link, readFile, rename, rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Descriptor, History, Image, Layer } from '../image/types.js';
import { blobPath, MT, putBlob, readLayout, writeLayoutIndex } from '../oci/layout.js';
import type { WrittenImage } from '../oci/types.js';

export async function stackOnBase(written: WrittenImage, base: Image): Promise<WrittenImage> {
  const dir = written.layoutDir;
  const layout = await readLayout(dir);
  const configBytes = await readFile(blobPath(dir, layout.configDigest));
  const cfg = JSON.parse(configBytes.toString('utf8')) as { rootfs: { diff_ids: string[] }; history?: History[] };

  const baseDescs: Descriptor[] = [];
  for (const layer of base.layers) {
    const path = blobPath(dir, layer.diffId);
    const have = await stat(path).catch(() => undefined);
    if (!have) await storeUncompressed(layer, path);
    baseDescs.push({ mediaType: MT.layer, digest: layer.diffId, size: (await stat(path)).size });
  }

  // Assigning keeps the key order of the writer's config, so equal inputs give equal bytes.
  cfg.rootfs.diff_ids = [...base.config.rootfs.diff_ids, ...cfg.rootfs.diff_ids];
  cfg.history = [...(base.config.history ?? []), ...(cfg.history ?? [])];
  const cfgDesc = await putBlob(dir, MT.config, Buffer.from(JSON.stringify(cfg)));
  const man = JSON.parse(layout.manifestBytes.toString('utf8')) as { config: Descriptor; layers: Descriptor[] };
  man.config = cfgDesc;
  man.layers = [...baseDescs, ...man.layers];
  const manDesc = await putBlob(dir, MT.manifest, Buffer.from(JSON.stringify(man)));
  await writeLayoutIndex(dir, { manifest: manDesc, configDigest: cfgDesc.digest, layerDigests: man.layers.map((d) => d.digest) }, written.refName);
  for (const old of [layout.configDigest, layout.manifest.digest]) {
    if (old !== cfgDesc.digest && old !== manDesc.digest) await rm(blobPath(dir, old), { force: true });
  }
  return { ...written, configDigest: cfgDesc.digest, manifestDigest: manDesc.digest, manifestSize: manDesc.size };
}

/**
 * The layer's uncompressed tar at `path`: a hard link when the reader already holds it as a
 * whole file (no copy of a big base), else streamed (open() checks the diff_id either way).
 */
async function storeUncompressed(layer: Layer, path: string): Promise<void> {
  const s = await layer.seekable();
  if (s.offset === 0 && (await stat(s.path)).size === s.size) {
    try {
      await link(s.path, path);
      return;
    } catch {
      // Another file system: copy below.
    }
  }
  const tmp = `${path}.partial`;
  await pipeline(await layer.open(), createWriteStream(tmp));
  await rename(tmp, path);
}
