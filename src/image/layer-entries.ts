// Streams the entries of one layer tar with their content offsets, without copying content.
import { ChunkSource, TarFormatError, iterateTar, toTarEntry, type TarEntry } from '../tar/index.js';
import { UserError } from '../util/errors.js';
import type { Layer } from './types.js';

function layerLabel(layer: Layer): string {
  return `layer ${layer.digest.slice(0, 19)}`;
}

/**
 * The raw entries of one layer in tar order. Whiteouts (".wh.NAME", ".wh..wh..opq") are
 * reported as-is; `dataOffset` is the content offset inside the uncompressed tar. The layer
 * is read to its end so its digests get verified.
 */
export async function* readLayerEntries(layer: Layer): AsyncGenerator<TarEntry> {
  const label = layerLabel(layer);
  const stream = await layer.open();
  const src = new ChunkSource(stream as AsyncIterable<Buffer>);
  let finished = false;
  try {
    try {
      for await (const raw of iterateTar(src)) {
        const e = toTarEntry(raw, label);
        if (e) yield e;
      }
      await src.drain();
      finished = true;
    } catch (err) {
      if (err instanceof TarFormatError) throw new UserError(`${label}: ${err.message} at offset ${src.offset}`);
      throw err;
    }
  } finally {
    if (!finished) stream.destroy();
  }
}
