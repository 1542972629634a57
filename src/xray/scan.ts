// Reads an image's layers (entries only, never content) into a LayerAnalyzer, and serves
// the few file contents xray needs (duplicate hashing, dpkg files) from the layer tars.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { readLayerEntries } from '../image/tar.js';
import { readImage } from '../image/read.js';
import type { Image, ImageConfig, SeekableTar, TarEntry } from '../image/types.js';
import { streamingHasher, type ContentOpener, type Hasher } from './duplicates.js';
import { NeedFallback, isEngineRef, streamEngineImage } from './engine-stream.js';
import { LayerAnalyzer } from './layers.js';
import type { Meta, StackedTree } from './tree.js';

async function collect(it: AsyncGenerator<TarEntry>): Promise<TarEntry[]> {
  const out: TarEntry[] = [];
  for await (const e of it) out.push(e);
  return out;
}

/**
 * Applies every layer in order. The next layer's entries are read while the current one is
 * applied (reading is I/O and hashing, applying is CPU), holding at most two layers' entry
 * lists at a time.
 */
export async function scanLayers(image: Image): Promise<LayerAnalyzer> {
  const analyzer = new LayerAnalyzer();
  const n = image.layers.length;
  let next: Promise<TarEntry[]> | undefined = n ? collect(readLayerEntries(image.layers[0])) : undefined;
  for (let i = 0; i < n; i++) {
    const entries = await next!;
    next = i + 1 < n ? collect(readLayerEntries(image.layers[i + 1])) : undefined;
    // Keep a rejected prefetch from being reported as unhandled before we await it.
    next?.catch(() => undefined);
    analyzer.addLayer(entries);
  }
  return analyzer;
}

export function contentOpener(image: Image): ContentOpener {
  const seekables = new Map<number, Promise<SeekableTar>>();
  return async (layer, dataOffset, size) => {
    if (size === 0) return Readable.from([]);
    let s = seekables.get(layer);
    if (!s) seekables.set(layer, (s = image.layers[layer].seekable()));
    const t = await s;
    const start = t.offset + dataOffset;
    return createReadStream(t.path, { start, end: start + size - 1, highWaterMark: 1 << 20 });
  };
}

/** An image read for xray: its analysis plus the few content reads xray still needs. */
export interface ScannedImage {
  ref: string;
  configDigest: string;
  config: ImageConfig;
  layers: { digest: string; diffId: string; size: number; mediaType: string }[];
  analyzer: LayerAnalyzer;
  hash: Hasher;
  /** The whole content of a regular file entry. */
  read(meta: Meta): Promise<Buffer>;
  close(): Promise<void>;
}

/** Through readImage: any source; contents are read back from the layer tars on demand. */
export async function scanWithReadImage(ref: string, opts: { platform?: string; tmpDir?: string }): Promise<ScannedImage> {
  const image = await readImage(ref, { platform: opts.platform, tmpDir: opts.tmpDir });
  try {
    const analyzer = await scanLayers(image);
    const open = contentOpener(image);
    return {
      ref,
      configDigest: image.configDigest,
      config: image.config,
      layers: image.layers.map((l) => ({ digest: l.digest, diffId: l.diffId, size: l.size, mediaType: l.mediaType })),
      analyzer,
      hash: streamingHasher(open),
      read: async (m) => {
        const chunks: Buffer[] = [];
        for await (const c of await open(m.layer, m.dataOffset, m.size)) chunks.push(c as Buffer);
        return Buffer.concat(chunks);
      },
      close: () => image.close(),
    };
  } catch (err) {
    await image.close();
    throw err;
  }
}

/** Engine images stream (one pass, nothing on disk); the rest, or a surprise, via readImage. */
export async function scanImage(ref: string, opts: { platform?: string; tmpDir?: string; dupMinSize: number }): Promise<ScannedImage> {
  if (!opts.platform && isEngineRef(ref) && process.env.SLIMTS_XRAY_NO_STREAM !== '1') {
    try {
      const s = await streamEngineImage(ref, { dupMinSize: opts.dupMinSize });
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
        layers: s.layers.map((l, i) => ({ digest: diffIds[i] ?? '', diffId: diffIds[i] ?? '', size: l.blobSize, mediaType: 'application/vnd.docker.image.rootfs.diff.tar' })),
        analyzer,
        hash: async (c) => {
          const h = s.layers[c.layer].hashes.get(c.dataOffset);
          if (!h) throw new Error(`no hash recorded for ${c.path}`);
          return h;
        },
        read: async (m) => {
          const b = s.layers[m.layer].kept.get(m.dataOffset);
          if (!b) throw new Error(`content of layer ${m.layer} offset ${m.dataOffset} was not kept`);
          return b;
        },
        close: async () => undefined,
      };
    } catch (err) {
      if (!(err instanceof NeedFallback)) throw err;
    }
  }
  return scanWithReadImage(ref, opts);
}

/** Reads a whole file of the final filesystem (following symlinks), or undefined. */
export async function readFinalFile(tree: StackedTree, read: ScannedImage['read'], path: string, maxBytes = 32 << 20): Promise<Buffer | undefined> {
  const r = tree.resolve(path);
  let m = r?.node.meta;
  if (m?.type === 'hardlink' && m.linkname) m = tree.get(m.linkname)?.meta;
  if (!m || m.type !== 'file' || m.size > maxBytes) return undefined;
  return read(m);
}
