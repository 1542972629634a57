// Sends a written image to where the user asked; every sink reads the same OCI layout.
import type Dockerode from 'dockerode';
import type { WrittenImage } from '../oci/types.js';
import { discardLayout } from '../oci/write.js';
import { sendToEngine } from './engine.js';
import { sendToOciArchive, sendToOciDir } from './files.js';
import { sendToRegistry } from './registry.js';
import type { SinkResult, SinkSpec } from './types.js';

export type { SinkResult, SinkSpec } from './types.js';

/** Whether a sink's layer should be gzipped: not for the engine (it would only decompress it). */
export function wantsGzip(spec: SinkSpec): boolean {
  return spec.kind !== 'engine';
}

export async function sendImage(written: WrittenImage, spec: SinkSpec, opts: { docker?: Dockerode } = {}): Promise<SinkResult> {
  switch (spec.kind) {
    case 'engine': {
      const r = await sendToEngine(written, spec.tag, opts.docker);
      return { kind: 'engine', where: r.where, imageId: r.imageId };
    }
    case 'oci-dir':
      return { kind: 'oci-dir', ...(await sendToOciDir(written, spec.path, spec.tag)) };
    case 'oci-archive':
      return { kind: 'oci-archive', ...(await sendToOciArchive(written, spec.path, spec.tag)) };
    case 'registry':
      return { kind: 'registry', ...(await sendToRegistry(written, spec.ref, spec.insecure)) };
  }
}

/** Removes the temp layout of a written image. Idempotent. */
export async function discard(written: WrittenImage): Promise<void> {
  await discardLayout(written.layoutDir);
}
export { attachArtifact, artifactManifest, type Attached } from './referrer.js';
