// The layer format flag shared by build and imagebuild: `gzip` (the default: gzip for files
// and registries, plain tar for the engine, which would only decompress it) or `estargz`
// (seekable gzip members, a TOC and a prefetch landmark for lazy pulling; every sink).
import { UserError } from '../util/errors.js';

export type LayerFormat = 'gzip' | 'estargz';

export function parseLayerFormat(v: string | undefined): LayerFormat | undefined {
  if (v === undefined) return undefined;
  const f = v.trim().toLowerCase();
  if (f === 'gzip' || f === 'estargz') return f;
  throw new UserError(`--format wants gzip or estargz, got "${v}"`);
}
