// The overlay rules of image layers (the OCI image spec's whiteouts), in one place for the
// merged index the build reads (fsindex.ts) and xray's per-layer analysis (xray/layers.ts).
export const WHITEOUT = '.wh.';
export const OPAQUE = '.wh..wh..opq';

export type OverlayName =
  /** Hide everything lower layers put in this entry's directory. */
  | { kind: 'opaque' }
  /** Remove `victim` (a sibling) as lower layers left it. */
  | { kind: 'whiteout'; victim: string }
  /** Other aufs bookkeeping (".wh..wh.plnk", ...): not part of the filesystem. */
  | { kind: 'meta' }
  | { kind: 'plain' };

/** What an entry named `base` (its last path component) means to the overlay. */
export function overlayName(base: string): OverlayName {
  if (base === OPAQUE) return { kind: 'opaque' };
  if (!base.startsWith(WHITEOUT)) return { kind: 'plain' };
  if (base.startsWith(WHITEOUT + WHITEOUT)) return { kind: 'meta' };
  return { kind: 'whiteout', victim: base.slice(WHITEOUT.length) };
}
