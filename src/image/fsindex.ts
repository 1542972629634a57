// The merged filesystem of an image from its layers (the overlay model, src/image/overlay),
// holding metadata and content locations only, and reads of the contents it locates.
import { createReadStream, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fdFor, seekableOf, seekableOfSync } from './fdcache.js';
import { readLayerEntries } from './layer-entries.js';
import { MergedTree, applyLayer, planLayer } from './overlay/index.js';
import type { FsEntry, FsIndex, Image, TarEntry } from './types.js';

/** How many layers are read (hashed, decompressed, parsed) at once; applying stays in order. */
const READ_CONCURRENCY = 3;

async function collect(image: Image, i: number): Promise<TarEntry[]> {
  const out: TarEntry[] = [];
  for await (const e of readLayerEntries(image.layers[i])) out.push(e);
  await seekableOf(image, i); // free now: the layer is verified (and decompressed if it had to be)
  return out;
}

/** Applies the image's layers in order. Reads layers concurrently, applies them in order. */
export async function buildIndex(image: Image): Promise<FsIndex> {
  const index = new MergedTree();
  const n = image.layers.length;
  const pending: Promise<TarEntry[]>[] = [];
  let next = 0;
  const launch = () => {
    while (next < n && next - applied < READ_CONCURRENCY) {
      const p = collect(image, next++);
      p.catch(() => undefined); // awaited below in order; avoid unhandled rejections meanwhile
      pending.push(p);
    }
  };
  let applied = 0;
  launch();
  for (; applied < n; ) {
    applyLayer(index, planLayer(await pending[applied]), applied);
    pending[applied] = Promise.resolve([]);
    applied++;
    launch();
  }
  return index;
}

/** Streams an entry's content (files and hardlinks) from its layer, `content.size` bytes. */
export async function openContent(image: Image, entry: FsEntry): Promise<Readable> {
  const c = entry.content;
  if (!c) throw new Error(`${entry.path} has no content (${entry.type})`);
  if (c.size === 0) return Readable.from([]);
  const s = await seekableOf(image, c.layer);
  const start = s.offset + c.offset;
  return createReadStream(s.path, { start, end: start + c.size - 1 });
}

/**
 * Reads up to `length` bytes at `offset` within an entry's content, synchronously (for small
 * random reads such as ELF headers). File descriptors are cached per image and released by
 * image.close() (or releaseContent(image)). The layer must have been resolved by buildIndex()
 * or openContent(). Returns fewer bytes at the end of the content.
 */
export function readContentSync(image: Image, entry: FsEntry, offset: number, length: number): Buffer {
  const c = entry.content;
  if (!c) throw new Error(`${entry.path} has no content (${entry.type})`);
  const n = Math.max(0, Math.min(length, c.size - offset));
  const buf = Buffer.alloc(n);
  if (n === 0) return buf;
  const s = seekableOfSync(image, c.layer);
  const fd = fdFor(image, s.path);
  let got = 0;
  while (got < n) {
    const r = readSync(fd, buf, got, n - got, s.offset + c.offset + offset + got);
    if (r === 0) break;
    got += r;
  }
  return got === n ? buf : buf.subarray(0, got);
}
