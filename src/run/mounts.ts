// Parses docker's --mount syntax into the engine's Mount shape.
import type { MountSettings } from 'dockerode';
import { UserError } from '../util/errors.js';

export function parseMount(spec: string): MountSettings {
  const kv = new Map<string, string>();
  for (const part of spec.split(',')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    kv.set((eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase(), eq < 0 ? 'true' : part.slice(eq + 1));
  }
  const type = kv.get('type') ?? 'volume';
  if (type !== 'volume' && type !== 'tmpfs' && type !== 'bind') {
    throw new UserError(`--mount "${spec}": type must be volume, tmpfs or bind`);
  }
  const target = kv.get('dst') ?? kv.get('destination') ?? kv.get('target');
  if (!target) throw new UserError(`--mount "${spec}": dst= is required`);
  const source = kv.get('src') ?? kv.get('source');
  if (type === 'bind' && !source) throw new UserError(`--mount "${spec}": a bind mount needs src=`);
  const ro = kv.get('readonly') ?? kv.get('ro');
  // tmpfs has no source; the engine wants the field present anyway.
  return { Type: type, Source: type === 'tmpfs' ? '' : (source ?? ''), Target: target, ReadOnly: ro === 'true' || ro === '1' };
}
