// The grammar of image-config values given on the command line (`--env`, `--label`,
// `--expose` and their `--new-*`/`--remove-*` forms), for every command: one syntax and one
// message per mistake, naming the flag.
import { UserError } from './errors.js';

/**
 * "KEY=VALUE" → [KEY, VALUE]. The key is non-empty and free of whitespace; with `bare`, a lone
 * "KEY" stands for KEY="" (as `docker run --env KEY` and `--label KEY` allow).
 */
export function parseKeyValue(s: string, flag: string, opts: { bare?: boolean } = {}): [string, string] {
  const i = s.indexOf('=');
  const key = i < 0 ? s : s.slice(0, i);
  if (key === '' || /\s/.test(key) || (i < 0 && !opts.bare)) throw new UserError(`${flag}: expected KEY=VALUE, got ${JSON.stringify(s)}`);
  return [key, i < 0 ? '' : s.slice(i + 1)];
}

/** "PORT[/tcp|udp|sctp]" → "PORT/proto", the config's ExposedPorts key. */
export function parseExpose(s: string, flag: string): string {
  const m = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/i.exec(s.trim());
  const port = m ? Number(m[1]) : 0;
  if (!m || port < 1 || port > 65535) throw new UserError(`${flag}: expected PORT[/tcp|udp|sctp] with PORT 1-65535, got ${JSON.stringify(s)}`);
  return `${port}/${(m[2] ?? 'tcp').toLowerCase()}`;
}
