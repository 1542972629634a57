// Stacks the new layer on a base image: a pure function of the image to write and the base,
// giving the image to write with the base's layers (and their history) under the new one. The
// writer then writes it once (src/oci/write.ts: base layers stored uncompressed, linked when the
// reader holds them whole).
import type { Image } from '../image/types.js';
import type { NewImage } from './types.js';

export function stackOn(base: Image, image: NewImage): NewImage {
  return { ...image, lower: { layers: base.layers, history: base.config.history ?? [] } };
}
