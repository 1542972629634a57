// Writes a one-layer image as an OCI layout (plus docker's manifest.json) in a fresh temp dir.
// The layer is streamed: entries → tar → sha256 (diff_id) → [gzip → sha256 (digest)] → file.
import { createWriteStream } from 'node:fs';
import { link, mkdir, rename, rm, stat } from 'node:fs/promises';
import { makeTempDir } from '../util/tmp.js';
import { onCleanup } from '../util/cleanup.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { buildConfig, creationTime } from './config.js';
import { HashTap } from './hashtap.js';
import { blobPath, MT, putBlob, writeLayoutIndex } from './layout.js';
import { writeEstargzLayer } from './estargz-layer.js';
import { layerTar } from './layertar.js';
import { orderEntries } from './order.js';
import { ParallelGzip } from './pgzip.js';
import { normaliseRefName } from './refname.js';
import type { ImageParts } from '../image/blobs.js';
import { LocalImage } from '../image/local.js';
import { TmpDir } from '../image/tmpdir.js';
import type { Descriptor, ImageConfig, Layer, Manifest } from '../image/types.js';
import type { NewImage, WriteEntry, WrittenImage } from './types.js';

export interface WriteOptions {
  /** Parent of the temp layout dir (default: the OS temp dir). */
  tmpDir?: string;
  /** Seconds since the epoch for created/history (default: SOURCE_DATE_EPOCH, else `created`, else 0). */
  sourceDateEpoch?: number;
  /** RFC 3339 time used when no epoch is given nor SOURCE_DATE_EPOCH set (kept verbatim). */
  created?: string;
}

export async function writeImage(img: NewImage, opts: WriteOptions = {}): Promise<WrittenImage> {
  const refName = img.refName === undefined ? undefined : normaliseRefName(img.refName);
  const created = creationTime(opts.sourceDateEpoch, opts.created);
  const dir = await makeTempDir('oci', opts.tmpDir ?? tmpdir());
  // an interrupt while writing (or before the caller discards the layout) removes it too
  const unregister = onCleanup(() => rm(dir, { recursive: true, force: true }));
  unregisterByDir.set(dir, unregister);
  try {
    const entries: WriteEntry[] = [];
    for await (const e of img.entries) entries.push(e);
    const ordered = orderEntries(entries);

    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
    const tmpLayer = join(dir, 'blobs', 'layer.partial');
    const gzip = img.gzip ?? false;
    const stargz = img.estargz ? await writeEstargzLayer(ordered, img.estargz, tmpLayer) : undefined;
    const tarTap = new HashTap();
    const blobTap = gzip ? new HashTap() : tarTap;
    if (!stargz) {
      const src = Readable.from(layerTar(ordered), { objectMode: false });
      const out = createWriteStream(tmpLayer);
      // The gzip header has mtime 0 and no name, and blocks are fixed-size: reproducible bytes.
      if (gzip) await pipeline(src, tarTap, new ParallelGzip(), blobTap, out);
      else await pipeline(src, tarTap, out);
    }
    const diffId = stargz?.diffId ?? tarTap.digest();
    const layerDigest = stargz?.digest ?? (gzip ? blobTap.digest() : diffId);
    const blobSize = stargz?.size ?? blobTap.bytes;
    await rename(tmpLayer, blobPath(dir, layerDigest));

    const lowerDescs = await storeLower(dir, img.lower?.layers ?? []);
    const lower = img.lower && { diffIds: img.lower.layers.map((l) => l.diffId), history: img.lower.history };
    const rawConfig = buildConfig(img.config, img.history, diffId, created, lower);
    const cfg = await putBlob(dir, MT.config, rawConfig);
    const layerDesc = {
      mediaType: gzip || stargz ? MT.layerGzip : MT.layer, digest: layerDigest, size: blobSize,
      ...(stargz ? { annotations: stargz.annotations } : {}),
    };
    const manifest: Manifest = {
      schemaVersion: 2,
      mediaType: MT.manifest,
      config: cfg,
      layers: [...lowerDescs, layerDesc],
    };
    const rawManifest = Buffer.from(JSON.stringify(manifest));
    const man = await putBlob(dir, MT.manifest, rawManifest);
    await writeLayoutIndex(dir, { manifest: man, configDigest: cfg.digest, layerDigests: manifest.layers.map((d) => d.digest) }, refName);
    const diffIds = [...(img.lower?.layers ?? []).map((l) => l.diffId), diffId];
    const parts: ImageParts = {
      manifest, rawManifest, rawConfig, config: JSON.parse(rawConfig.toString('utf8')) as ImageConfig, configDigest: cfg.digest,
      // hashed as they were written (the lower ones by their reader): verified
      layers: manifest.layers.map((d, i) => ({
        member: { path: blobPath(dir, d.digest), offset: 0, size: d.size }, digest: d.digest, diffId: diffIds[i]!,
        mediaType: d.mediaType, blobVerified: true, label: 'the written image',
      })),
      ...(refName ? { name: refName } : {}),
    };
    return {
      image: new LocalImage(refName ?? `oci:${dir}`, parts, new TmpDir(opts.tmpDir ?? tmpdir()), () => discardLayout(dir)),
      layoutDir: dir,
      manifestDigest: man.digest,
      configDigest: cfg.digest,
      layerDigest,
      layerDiffId: diffId,
      layerSize: stargz?.uncompressedSize ?? tarTap.bytes,
      blobSize,
      refName,
      manifestSize: man.size,
      layerMediaType: layerDesc.mediaType,
      ...(stargz ? {
        estargz: {
          tocDigest: stargz.tocDigest, prefetchFiles: stargz.prefetchFiles, prefetchEntries: stargz.prefetchEntries,
          prefetchBytes: stargz.prefetchBytes, partialFiles: stargz.partialFiles,
        },
      } : {}),
    };
  } catch (err) {
    await discardLayout(dir);
    throw err;
  }
}

/** The lower layers' blobs in the layout, stored uncompressed (their digest is their diff_id: no recompression). */
async function storeLower(dir: string, layers: readonly Layer[]): Promise<Descriptor[]> {
  const descs: Descriptor[] = [];
  for (const layer of layers) {
    const path = blobPath(dir, layer.diffId);
    if (!(await stat(path).catch(() => undefined))) await storeUncompressed(layer, path);
    descs.push({ mediaType: MT.layer, digest: layer.diffId, size: (await stat(path)).size });
  }
  return descs;
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

const unregisterByDir = new Map<string, () => void>();

/** Removes a layout writeImage made, and its removal on interrupt with it. */
export async function discardLayout(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  unregisterByDir.get(dir)?.();
  unregisterByDir.delete(dir);
}
