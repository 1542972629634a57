// Parsing of flag values of the build CLI: durations, probe specs, files of paths.
import { existsSync, readFileSync } from 'node:fs';
import type { ContinueAfter } from '../run/types.js';
import type { ApiSpecSource, HttpProbeSpec } from '../probe/types.js';
import { UserError } from '../util/errors.js';

export { parseCommand } from '../util/command.js';

export function nonNegInt(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new UserError(`${flag} wants a number ≥ 0, got "${v}"`);
  return n;
}

export function positiveInt(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${flag} wants a whole number ≥ 1, got "${v}"`);
  return n;
}

/** A size in MB (a whole number ≥ 1), as bytes: the bounds of what references keep. */
export function megabytes(v: string | undefined, flag: string): number | undefined {
  const n = positiveInt(v, flag);
  return n === undefined ? undefined : n * (1 << 20);
}

/** probe | exit | signal | enter | timeout[:N] | N (seconds). */
export function parseContinueAfter(v: string | undefined): ContinueAfter | undefined {
  if (v === undefined) return undefined;
  const s = v.trim().toLowerCase();
  if (s === 'probe' || s === 'exit' || s === 'signal' || s === 'enter') return { mode: s };
  const m = /^(?:timeout(?::(\d+(?:\.\d+)?))?|(\d+(?:\.\d+)?))$/.exec(s);
  if (m) return { mode: 'timeout', seconds: Number(m[1] ?? m[2] ?? 60) };
  throw new UserError(`--continue-after wants probe, exit, timeout[:SECONDS], signal or enter, got "${v}"`);
}

/** "PATH", "METHOD PATH", "METHOD:PATH" or "METHOD:PORT:PATH" (PATH starts with "/"). */
export function parseHttpProbeCmd(s: string): HttpProbeSpec {
  const t = s.trim();
  const m = /^(?:([A-Za-z]+)[\s:]+)?(?:(\d{1,5}):)?(\/\S*)$/.exec(t);
  if (!m) throw new UserError(`--http-probe-cmd wants [METHOD[:PORT]:]/PATH, got "${s}"`);
  const spec: HttpProbeSpec = { method: (m[1] ?? 'GET').toUpperCase(), path: m[3]! };
  if (m[2]) spec.port = Number(m[2]);
  return spec;
}

/**
 * --http-probe-file: JSON, either an array of {method, path|resource, port?, body?, headers?}
 * or DockerSlim's {"commands": [...]}.
 */
export function readHttpProbeFile(file: string): HttpProbeSpec[] {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`--http-probe-file ${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  const list = Array.isArray(v) ? v : (v as { commands?: unknown[] })?.commands;
  if (!Array.isArray(list)) throw new UserError(`--http-probe-file ${file}: want a JSON array or {"commands": [...]}`);
  return list.map((x, i) => {
    const o = x as Record<string, unknown>;
    const path = (o.path ?? o.resource) as string | undefined;
    if (typeof path !== 'string' || !path.startsWith('/')) throw new UserError(`--http-probe-file ${file}: entry ${i} has no "/path"`);
    const spec: HttpProbeSpec = { method: String(o.method ?? 'GET').toUpperCase(), path };
    if (o.port !== undefined) spec.port = Number(o.port);
    if (typeof o.body === 'string') spec.body = o.body;
    if (o.headers && typeof o.headers === 'object') spec.headers = o.headers as Record<string, string>;
    return spec;
  });
}

/**
 * --http-probe-apispec: a local JSON file holding an OpenAPI 3 / Swagger 2 document when one is
 * at that path; else "/PATH" or "PORT:/PATH" (fetched from the container, every HTTP port or that
 * one), or "http[s]://HOST:PORT/PATH" (PORT is the container's; host and scheme are ignored).
 */
export function parseApiSpec(v: string): ApiSpecSource {
  const s = v.trim();
  const local = /^(?:(\d{1,5}):)?(\/\S*)$/.exec(s);
  if (local && !existsSync(s)) return { kind: 'url', path: local[2]!, ...(local[1] ? { port: Number(local[1]) } : {}) };
  if (/^https?:\/\//i.test(s)) {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw new UserError(`--http-probe-apispec "${v}": not a URL`);
    }
    // the port's scheme is the one its sniff found
    return { kind: 'url', path: u.pathname + u.search, ...(u.port ? { port: Number(u.port) } : {}) };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(s, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UserError(`--http-probe-apispec ${v}: ${e.code ?? e.message.split('\n')[0]}${e.code ? '' : ' (a JSON OpenAPI/Swagger document is expected)'}`);
  }
  const d = doc as { openapi?: unknown; swagger?: unknown; paths?: unknown };
  const isSpec = typeof d === 'object' && d !== null && typeof d.paths === 'object' && ((typeof d.openapi === 'string' && d.openapi.startsWith('3.')) || d.swagger === '2.0');
  if (!isSpec) throw new UserError(`--http-probe-apispec ${v}: not an OpenAPI 3 or Swagger 2.0 document (no "openapi": "3.x"/"swagger": "2.0" with "paths")`);
  return { kind: 'doc', source: s, doc };
}

/** --include-paths-file: one glob per line, "#" comments and blank lines skipped. */
export function readPathsFile(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`--include-paths-file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}
