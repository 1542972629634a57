// Reads an image's layers (entries only, never content) into a LayerAnalyzer, and serves
// the few file contents xray needs (duplicate hashing, dpkg files) from the layer tars.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { readLayerEntries } from '../image/tar.js';
import type { Image, SeekableTar, TarEntry } from '../image/types.js';
import type { ContentOpener } from './duplicates.js';
import { LayerAnalyzer } from './layers.js';
import type { StackedTree } from './tree.js';

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

/** Reads a whole file of the final filesystem (following symlinks), or undefined. */
export async function readFinalFile(tree: StackedTree, open: ContentOpener, path: string, maxBytes = 64 << 20): Promise<Buffer | undefined> {
  const r = tree.resolve(path);
  let m = r?.node.meta;
  if (m?.type === 'hardlink' && m.linkname) m = tree.get(m.linkname)?.meta;
  if (!m || m.type !== 'file' || m.size > maxBytes) return undefined;
  const chunks: Buffer[] = [];
  for await (const c of await open(m.layer, m.dataOffset, m.size)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
