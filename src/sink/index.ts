// Sends an image to where the user asked. Every sink is an adapter over one image shape
// (StoredImage: manifest and config bytes, layer blobs streamed): a freshly written image, one
// read from an archive, a layout or the engine, all go to any sink the same way.
import type Dockerode from 'dockerode';
import type { StoredImage } from '../image/types.js';
import type { WrittenImage } from '../oci/types.js';
import { sendToEngine } from './engine.js';
import { sendToOciArchive, sendToOciDir } from './files.js';
import { sendToRegistry } from './registry.js';
import type { SinkResult, SinkSpec } from './types.js';

export type { SinkResult, SinkSpec } from './types.js';

/** Whether a sink's layer should be gzipped: not for the engine (it would only decompress it). */
export function wantsGzip(spec: SinkSpec): boolean {
  return spec.kind !== 'engine';
}

export async function sendImage(image: StoredImage, spec: SinkSpec, opts: { docker?: Dockerode } = {}): Promise<SinkResult> {
  switch (spec.kind) {
    case 'engine': {
      const r = await sendToEngine(image, spec.tag, opts.docker);
      return { kind: 'engine', where: r.where, imageId: r.imageId };
    }
    case 'oci-dir':
      return { kind: 'oci-dir', ...(await sendToOciDir(image, spec.path, spec.tag)) };
    case 'oci-archive':
      return { kind: 'oci-archive', ...(await sendToOciArchive(image, spec.path, spec.tag)) };
    case 'registry':
      return { kind: 'registry', ...(await sendToRegistry(image, spec.ref, spec.insecure)) };
  }
}

/** Removes what writeImage made (its layout). Idempotent. */
export async function discard(written: WrittenImage): Promise<void> {
  await written.image.close();
}
export { attachArtifact, artifactManifest, type Attached } from './referrer.js';
