// Sending one HTTP probe to a published port and turning the answer into a ProbeResult.
import { httpRequest, sha256, type HttpAnswer } from './http.js';
import { sleep } from './tcp.js';
import type { PortTarget, ProbeKind, ProbeRequest, ProbeResult } from './types.js';

export type HttpReq = Extract<ProbeRequest, { kind: 'http' }>;

/** What every HTTP probe of one run shares. */
export interface HttpEnv {
  timeoutMs: number;
  signal?: AbortSignal;
  startedAt?: number;
  /** Requests in flight at once. */
  concurrency: number;
}

export type HttpKind = Extract<ProbeKind, 'http' | 'discover' | 'crawl' | 'api'>;

export function urlOf(p: PortTarget, scheme: string, path: string): string {
  const host = p.host.includes(':') ? `[${p.host}]` : p.host;
  return `${scheme}://${host}:${p.hostPort}${path.startsWith('/') ? path : `/${path}`}`;
}

function targetOf(req: HttpReq): string {
  return `${req.method} ${req.scheme}://:${req.port}${req.path}`;
}

export function httpReq(p: PortTarget, scheme: 'http' | 'https', method: string, path: string, extra: Pick<HttpReq, 'body' | 'headers'> = {}): HttpReq {
  return {
    kind: 'http', port: p.containerPort, scheme, method, path,
    ...(extra.body !== undefined ? { body: extra.body } : {}),
    ...(extra.headers ? { headers: extra.headers } : {}),
  };
}

/** Connection-level failures worth retrying (the app may still be warming up). */
function transient(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ECONNABORTED'].includes(code) || /socket hang up/.test(String((err as Error).message));
}

/** Sends `req`, retrying transient connection failures with backoff. */
export async function send(p: PortTarget, req: HttpReq, timeoutMs: number, signal?: AbortSignal, tries = 4, maxBytes?: number): Promise<HttpAnswer> {
  let delay = 250;
  for (let i = 1; ; i++) {
    try {
      return await httpRequest(urlOf(p, req.scheme, req.path), { method: req.method, headers: req.headers, body: req.body, timeoutMs, signal, maxBytes });
    } catch (err) {
      if (i >= tries || !transient(err) || signal?.aborted) throw err;
      await sleep(delay, signal);
      delay *= 2;
    }
  }
}

/**
 * Static content must come back byte-identical from the slim image. A response counts as static
 * when it carries a Last-Modified older than the container (a file from the image, not one the
 * app generated at start).
 */
function isStatic(a: HttpAnswer, startedAt?: number): boolean {
  const lm = a.headers['last-modified'];
  if (!lm) return false;
  const t = Date.parse(lm);
  return Number.isFinite(t) && (startedAt === undefined || t < startedAt - 2000);
}

export function answerResult(kind: HttpKind, req: HttpReq, a: HttpAnswer, ms: number, env: Pick<HttpEnv, 'startedAt'>): ProbeResult {
  return {
    kind,
    target: targetOf(req),
    ok: a.status > 0 && a.status < 500,
    status: a.status,
    bytes: a.body.length,
    bodyHash: sha256(a.body),
    static: isStatic(a, env.startedAt),
    ms,
    request: req,
  };
}

export function failedResult(kind: HttpKind, req: HttpReq, err: unknown, ms: number): ProbeResult {
  return { kind, target: targetOf(req), ok: false, error: (err as Error).message, ms, request: req };
}

/** One probe: the result, and the answer when there was one (for discovery to read). */
export async function httpProbe(p: PortTarget, req: HttpReq, kind: HttpKind, env: HttpEnv, tries = 4, maxBytes?: number): Promise<{ result: ProbeResult; answer?: HttpAnswer }> {
  const t0 = Date.now();
  try {
    const answer = await send(p, req, env.timeoutMs, env.signal, tries, maxBytes);
    return { result: answerResult(kind, req, answer, Date.now() - t0, env), answer };
  } catch (err) {
    return { result: failedResult(kind, req, err, Date.now() - t0) };
  }
}

/** Methods that change nothing on the server: these may run concurrently and in any order. */
export function isSafe(method: string): boolean {
  return ['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());
}
