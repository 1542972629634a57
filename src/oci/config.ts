// The new image config: the given config verbatim (unknown fields and key order kept) except
// rootfs, history and created. JSON.stringify follows key insertion order, so equal inputs
// give equal bytes.
import type { History, ImageConfig } from '../image/types.js';
import { UserError } from '../util/errors.js';

/**
 * Creation time from opts, then SOURCE_DATE_EPOCH, then `fallback` (build: the original's
 * date, so `docker images` does not say "56 years ago"), else the epoch itself.
 */
export function creationTime(sourceDateEpoch?: number, fallback?: string): string {
  let secs = sourceDateEpoch;
  if (secs === undefined) {
    const env = process.env.SOURCE_DATE_EPOCH;
    if (env !== undefined && env !== '') {
      if (!/^\d+$/.test(env.trim())) throw new UserError(`SOURCE_DATE_EPOCH must be whole seconds since 1970, got "${env}"`);
      secs = Number(env.trim());
    }
  }
  if (secs === undefined && fallback && !Number.isNaN(Date.parse(fallback))) return fallback;
  secs = Math.floor(secs ?? 0);
  const d = new Date(secs * 1000);
  if (Number.isNaN(d.getTime())) throw new UserError(`source date epoch ${secs} is out of range`);
  return d.toISOString().replace(/\.000Z$/, 'Z');
}

/** The config bytes: `cfg` with the layer on top of `lower` (diff_ids and history below it), created now. */
export function buildConfig(cfg: ImageConfig, history: History, diffId: string, created: string, lower?: { diffIds: readonly string[]; history: readonly History[] }): Buffer {
  const replaced: Record<string, unknown> = {
    created,
    history: [...(lower?.history ?? []), { ...history, created }],
    rootfs: { type: 'layers', diff_ids: [...(lower?.diffIds ?? []), diffId] },
  };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(cfg)) out[k] = k in replaced ? replaced[k] : v;
  for (const [k, v] of Object.entries(replaced)) if (!(k in out)) out[k] = v;
  return Buffer.from(JSON.stringify(out));
}
