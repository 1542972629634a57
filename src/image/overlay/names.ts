// What entry names mean to the overlay (the OCI image spec's whiteouts): the one place that
// reads ".wh." names.
import { baseName, childPath, parentPath } from '../../util/paths.js';

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

/** The path a whiteout entry ("/a/.wh.b") removes ("/a/b"). */
export function victimOf(whiteout: string): string {
  const o = overlayName(baseName(whiteout));
  if (o.kind !== 'whiteout') throw new Error(`not a whiteout: ${whiteout}`);
  return childPath(parentPath(whiteout), o.victim);
}
