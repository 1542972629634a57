// Validation of the image-config flags (--env, --label, --expose, --workdir, --platform).
// Each bad value is a UserError naming the flag, raised before anything is written.
import { parsePlatform } from '../image/platform.js';
import type { Platform } from '../image/types.js';
import { UserError } from '../util/errors.js';

/** "K=V" → [K, V]; the key must be non-empty and free of whitespace. */
export function parseKeyValue(s: string, flag: string): [string, string] {
  const i = s.indexOf('=');
  const key = i < 0 ? '' : s.slice(0, i);
  if (i <= 0 || /\s/.test(key)) throw new UserError(`${flag}: expected KEY=VALUE, got ${JSON.stringify(s)}`);
  return [key, s.slice(i + 1)];
}

/** "PORT[/tcp|udp|sctp]" → "PORT/proto" as the config's ExposedPorts key. */
export function parseExpose(s: string): string {
  const m = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/i.exec(s.trim());
  const port = m ? Number(m[1]) : 0;
  if (!m || port < 1 || port > 65535) throw new UserError(`--expose: expected PORT[/tcp|udp] with PORT 1-65535, got ${JSON.stringify(s)}`);
  return `${port}/${(m[2] ?? 'tcp').toLowerCase()}`;
}

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
