import type { Descriptor } from '../image/types.js';
// Where an image goes. Every sink is an adapter over one image shape (StoredImage).
export type SinkSpec =
  | { kind: 'engine'; tag: string }
  | { kind: 'oci-dir'; path: string; tag?: string }
  | { kind: 'oci-archive'; path: string; tag?: string }
  | { kind: 'registry'; ref: string; insecure?: boolean };

export interface SinkResult {
  kind: SinkSpec['kind'];
  /** Tag, path or registry ref the image went to. */
  where: string;
  /** The engine's image id when loaded. */
  imageId?: string;
  /** The pushed manifest (registry): what referrers name as their subject. */
  manifest?: Descriptor;
}
