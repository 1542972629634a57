// Per-image caches for content reads: each layer's resolved seekable location and open file
// descriptors for synchronous random reads. Released by image.close() (LocalImage) or by
// calling releaseContent(image) for other Image implementations.
import { closeSync, openSync } from 'node:fs';
import type { Image, SeekableTar } from './types.js';

interface Cache {
  seekables: Map<number, SeekableTar>;
  fds: Map<string, number>;
}

const caches = new WeakMap<Image, Cache>();

function cacheOf(image: Image): Cache {
  let c = caches.get(image);
  if (!c) caches.set(image, (c = { seekables: new Map(), fds: new Map() }));
  return c;
}

export async function seekableOf(image: Image, layer: number): Promise<SeekableTar> {
  const c = cacheOf(image);
  let s = c.seekables.get(layer);
  if (!s) {
    const l = image.layers[layer];
    if (!l) throw new Error(`image ${image.ref} has no layer ${layer}`);
    s = await l.seekable();
    c.seekables.set(layer, s);
  }
  return s;
}

export function seekableOfSync(image: Image, layer: number): SeekableTar {
  const s = caches.get(image)?.seekables.get(layer);
  if (!s) throw new Error(`layer ${layer} of ${image.ref} is not resolved yet: call buildIndex() or openContent() first`);
  return s;
}

export function fdFor(image: Image, path: string): number {
  const c = cacheOf(image);
  let fd = c.fds.get(path);
  if (fd === undefined) c.fds.set(path, (fd = openSync(path, 'r')));
  return fd;
}

export function releaseContent(image: Image): void {
  const c = caches.get(image);
  if (!c) return;
  for (const fd of c.fds.values()) {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
  }
  caches.delete(image);
}
