// sha256 of bytes in memory, the one way: hex, or as an OCI digest ("sha256:<hex>"). Streams
// hash as they go with createHash (oci/hashtap, the layer verifiers).
import { createHash } from 'node:crypto';

export function sha256Hex(b: Buffer | string): string {
  return createHash('sha256').update(b).digest('hex');
}

export function sha256Digest(b: Buffer | string): string {
  return `sha256:${sha256Hex(b)}`;
}
