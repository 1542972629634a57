// Reads an image for xray: every layer's entries go into a LayerAnalyzer in stack order,
// and the only contents xray needs (hashes for duplicates, dpkg files) are taken as the
// layers stream by. Engine images stream straight from `docker save`; other sources, or
// an engine stream this path does not handle, go through readImage.
import { MT } from '../image/mediatypes.js';
import type { MergedTree } from '../image/overlay/index.js';
import { readImage, refLocation } from '../image/read.js';
import { ChunkSource, TarFormatError } from '../tar/index.js';
import type { FsEntry, Image, ImageConfig, Layer } from '../image/types.js';
import { UserError } from '../util/errors.js';
import type { Hasher } from './duplicates.js';
import { NeedFallback, streamEngineImage } from './engine-stream.js';
import { readLayerContents, type LayerContents } from './layer-read.js';
import { LayerAnalyzer } from './layers.js';

/** An image read for xray: its analysis plus the few contents xray still needs. */
export interface ScannedImage {
  ref: string;
  configDigest: string;
  config: ImageConfig;
  layers: { digest: string; diffId: string; size: number; mediaType: string }[];
  analyzer: LayerAnalyzer;
  hash: Hasher;
  /** The whole content of a kept file's bytes (the dpkg database files), by where they are. */
  read(content: NonNullable<FsEntry['content']>): Promise<Buffer>;
  /** A package database file as one layer wrote it (`/var/lib/dpkg/status`...), or undefined. */
  layerDbFile(layer: number, path: string): Buffer | undefined;
  close(): Promise<void>;
}

async function readOneLayer(layer: Layer, dupMinSize: number): Promise<LayerContents> {
  const label = `layer ${layer.digest.slice(0, 19)}`;
  const stream = await layer.open();
  const src = new ChunkSource(stream as AsyncIterable<Buffer>);
  let done = false;
  try {
    const c = await readLayerContents(src, label, dupMinSize);
    await src.drain(); // to the end, so the layer's digests get checked
    done = true;
    return c;
  } catch (err) {
    if (err instanceof TarFormatError) throw new UserError(`${label}: ${err.message} at offset ${src.offset}`);
    throw err;
  } finally {
    if (!done) stream.destroy();
  }
}

function contentsAccess(layers: LayerContents[]): Pick<ScannedImage, 'hash' | 'read' | 'layerDbFile'> {
  return {
    layerDbFile: (layer, path) => {
      const at = layers[layer]?.dbFiles.get(path);
      return at === undefined ? undefined : layers[layer].kept.get(at);
    },
    hash: async (c) => {
      const h = layers[c.layer].hashes.get(c.dataOffset);
      if (!h) throw new Error(`no hash recorded for ${c.path}`);
      return h;
    },
    read: async (c) => {
      const b = layers[c.layer].kept.get(c.offset);
      if (!b) throw new Error(`content of layer ${c.layer} at ${c.offset} was not kept`);
      return b;
    },
  };
}

/**
 * Applies every layer in order. The next layer is read while the current one is applied,
 * so at most two layers' entry lists are held; applied entries are dropped.
 */
async function scanLayers(image: Image, dupMinSize: number): Promise<{ analyzer: LayerAnalyzer; contents: LayerContents[] }> {
  const analyzer = new LayerAnalyzer();
  const contents: LayerContents[] = [];
  const n = image.layers.length;
  let next: Promise<LayerContents> | undefined = n ? readOneLayer(image.layers[0], dupMinSize) : undefined;
  for (let i = 0; i < n; i++) {
    const c = await next!;
    next = i + 1 < n ? readOneLayer(image.layers[i + 1], dupMinSize) : undefined;
    // Keep a rejected prefetch from being reported as unhandled before we await it.
    next?.catch(() => undefined);
    analyzer.addLayer(c.entries);
    c.entries = [];
    contents.push(c);
  }
  return { analyzer, contents };
}

/** Through readImage: any source readImage knows. */
async function scanWithReadImage(ref: string, opts: { platform?: string; tmpDir?: string; dupMinSize: number }): Promise<ScannedImage> {
  const image = await readImage(ref, { platform: opts.platform, tmpDir: opts.tmpDir });
  try {
    const { analyzer, contents } = await scanLayers(image, opts.dupMinSize);
    return {
      ref,
      configDigest: image.configDigest,
      config: image.config,
      layers: image.layers.map((l) => ({ digest: l.digest, diffId: l.diffId, size: l.size, mediaType: l.mediaType })),
      analyzer,
      ...contentsAccess(contents),
      close: () => image.close(),
    };
  } catch (err) {
    await image.close();
    throw err;
  }
}

/** Engine images stream (one pass, nothing on disk); the rest, or a surprise, via readImage. */
export async function scanImage(ref: string, opts: { platform?: string; tmpDir?: string; dupMinSize: number }): Promise<ScannedImage> {
  // the one reference grammar (image/read.ts): a missing file is refused as build refuses it
  const loc = await refLocation(ref);
  if (!opts.platform && loc.engine && process.env.SLIMTS_XRAY_NO_STREAM !== '1') {
    try {
      const s = await streamEngineImage(loc.name, { dupMinSize: opts.dupMinSize });
      const analyzer = new LayerAnalyzer();
      for (const l of s.layers) {
        analyzer.addLayer(l.entries);
        l.entries = []; // applied: only the tree's metadata stays
      }
      const diffIds = s.config.rootfs?.diff_ids ?? [];
      return {
        ref,
        configDigest: s.configDigest,
        config: s.config,
        layers: s.layers.map((l, i) => ({ digest: diffIds[i] ?? '', diffId: diffIds[i] ?? '', size: l.blobSize, mediaType: MT.dockerLayer })),
        analyzer,
        ...contentsAccess(s.layers),
        close: async () => undefined,
      };
    } catch (err) {
      if (!(err instanceof NeedFallback)) throw err;
    }
  }
  return scanWithReadImage(ref, opts);
}

/** Reads a whole kept file of the final filesystem (following symlinks), or undefined. */
export async function readFinalFile(tree: MergedTree, read: ScannedImage['read'], path: string): Promise<Buffer | undefined> {
  // a hardlink's content is its target's bytes
  const content = tree.resolve(path)?.content;
  return content ? read(content).catch(() => undefined) : undefined;
}
