// Parsing the user's probe flags: --http-probe-cmd METHOD:PATH[@port] and --http-probe-file.
import { readFile } from 'node:fs/promises';
import { UserError } from '../util/errors.js';
import type { HttpProbeSpec } from './types.js';

/** "GET:/health@8080", "/x" (GET), "POST:/api". */
export function parseHttpProbeCmd(s: string): HttpProbeSpec {
  const m = /^(?:([A-Za-z]+):)?(\/[^@]*)(?:@(\d+))?$/.exec(s.trim());
  if (!m) throw new UserError(`--http-probe-cmd "${s}": expected METHOD:/path[@port]`);
  return { method: (m[1] ?? 'GET').toUpperCase(), path: m[2]!, ...(m[3] ? { port: Number(m[3]) } : {}) };
}

/** A JSON list of {method, path, port?, body?, headers?}. */
export async function readHttpProbeFile(file: string): Promise<HttpProbeSpec[]> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new UserError(`--http-probe-file ${file}: ${(err as Error).message}`);
  }
  if (!Array.isArray(data)) throw new UserError(`--http-probe-file ${file}: expected a JSON list`);
  return data.map((d, i) => {
    const e = d as Partial<HttpProbeSpec>;
    if (!e || typeof e.path !== 'string') throw new UserError(`--http-probe-file ${file}: entry ${i} needs a "path"`);
    const body = e.body === undefined || typeof e.body === 'string' ? e.body : JSON.stringify(e.body);
    return {
      method: (e.method ?? 'GET').toUpperCase(),
      path: e.path.startsWith('/') ? e.path : `/${e.path}`,
      ...(typeof e.port === 'number' ? { port: e.port } : {}),
      ...(body !== undefined ? { body } : {}),
      ...(e.headers ? { headers: e.headers } : {}),
    };
  });
}
