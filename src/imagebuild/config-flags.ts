// Validation of the image-config flags (--env, --label, --expose, --workdir, --platform).
// Each bad value is a UserError naming the flag, raised before anything is written.
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

export interface PlatformSpec {
  os: string;
  architecture: string;
  variant?: string;
}

const ARCH_ALIASES: Record<string, string> = { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', i386: '386', i686: '386' };

export function parsePlatformFlag(s: string): PlatformSpec {
  const parts = s.trim().toLowerCase().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9_-]+$/.test(p))) {
    throw new UserError(`--platform: expected os/arch[/variant], got ${JSON.stringify(s)}`);
  }
  if (parts[0] !== 'linux') throw new UserError(`--platform: only linux images can be built, got ${JSON.stringify(s)}`);
  const architecture = ARCH_ALIASES[parts[1]!] ?? parts[1]!;
  return parts[2] ? { os: 'linux', architecture, variant: parts[2] } : { os: 'linux', architecture };
}
