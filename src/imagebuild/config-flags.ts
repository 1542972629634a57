// Validation of imagebuild's image-config flags (--workdir, --platform, --allow-host-path; --env, --label and
// --expose read src/util/config-values).
// Each bad value is a UserError naming the flag, raised before anything is written.
import { posix } from 'node:path';
import { parsePlatform } from '../image/platform.js';
import type { Platform } from '../image/types.js';
import { UserError } from '../util/errors.js';
export { parseExpose, parseKeyValue } from '../util/config-values.js';

export function parseWorkdir(s: string): string {
  if (!s.startsWith('/')) throw new UserError(`--workdir: must be an absolute path, got ${JSON.stringify(s)}`);
  return s;
}

/** --platform for a new image: the platform grammar every command reads, and only linux. */
export function parsePlatformFlag(s: string): Platform {
  let p: Platform;
  try {
    p = parsePlatform(s);
  } catch (err) {
    throw new UserError(`--platform: ${(err as Error).message}`);
  }
  if (p.os !== 'linux') throw new UserError(`--platform: only linux images can be built, got ${JSON.stringify(s)}`);
  return p;
}

/** --allow-host-path DIR: an absolute host directory, normalized. */
export function parseAllowedDir(d: string): string {
  if (!d.startsWith('/')) throw new UserError(`--allow-host-path: expected an absolute directory, got ${JSON.stringify(d)}`);
  const n = posix.normalize(d).replace(/(.)\/$/, '$1');
  if (n === '/') throw new UserError('--allow-host-path: / would allow every host file; name a directory');
  return n;
}
