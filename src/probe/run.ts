// Runs every probe against a started container: ports, HTTP (GET / and a same-origin crawl),
// explicit requests, commands inside the container, the health check, and a host script.
import { execa } from 'execa';
import { UserError } from '../util/errors.js';
import { httpRequest, sha256, type HttpAnswer } from './http.js';
import { sameOriginLinks } from './links.js';
import { sleep, waitForPort } from './tcp.js';
import type { HttpProbeSpec, PortTarget, ProbeContext, ProbeOptions, ProbeRequest, ProbeResult } from './types.js';

/** Thrown when the container went away while a probe waited for it. */
export class TargetGoneError extends Error {
  constructor(what: string) {
    super(`the container exited while ${what}`);
    this.name = 'TargetGoneError';
  }
}

type HttpReq = Extract<ProbeRequest, { kind: 'http' }>;

/** What every HTTP probe of one run shares. */
interface HttpEnv {
  timeoutMs: number;
  signal?: AbortSignal;
  startedAt?: number;
}

export async function runProbes(ctx: ProbeContext, opts: ProbeOptions = {}): Promise<ProbeResult[]> {
  const results: ProbeResult[] = [];
  const add = (r: ProbeResult) => {
    results.push(r);
    ctx.onResult?.(r);
    // An aborted run stops probing at once rather than collecting failures.
    if (ctx.signal?.aborted) throw ctx.signal.reason ?? new Error('aborted');
  };
  const timeoutMs = (opts.requestTimeout ?? 10) * 1000;
  const env: HttpEnv = { timeoutMs, signal: ctx.signal, startedAt: ctx.startedAt };
  const schemes = new Map<number, 'http' | 'https'>();

  for (const p of ctx.ports) {
    add(await waitPort(ctx, p, (opts.probeWait ?? 60) * 1000));
  }

  if (opts.replay) {
    for (const r of opts.replay) {
      if (r.request?.kind !== 'http') continue;
      const port = ctx.ports.find((p) => p.containerPort === (r.request as HttpReq).port);
      if (port) add(await httpProbe(port, r.request, r.kind === 'crawl' ? 'crawl' : 'http', env));
    }
  } else {
    if (!opts.noHttpProbe) {
      for (const p of ctx.ports) {
        const found = await discover(p, opts, env);
        if (found.scheme) schemes.set(p.containerPort, found.scheme);
        found.results.forEach(add);
      }
    }
    for (const spec of opts.http ?? []) {
      for (const p of portsFor(ctx.ports, spec)) {
        const req: HttpReq = { kind: 'http', port: p.containerPort, scheme: schemes.get(p.containerPort) ?? 'http', method: spec.method.toUpperCase(), path: spec.path, ...(spec.body !== undefined ? { body: spec.body } : {}), ...(spec.headers ? { headers: spec.headers } : {}) };
        add(await httpProbe(p, req, 'http', env));
      }
    }
  }

  const execTimeout = Math.max(timeoutMs, 60_000);
  for (const cmd of opts.exec ?? []) {
    const argv = typeof cmd === 'string' ? ['/bin/sh', '-c', cmd] : cmd;
    add(await execProbe(ctx, 'exec', argv, execTimeout));
  }
  if (ctx.healthcheck && opts.healthcheck !== false) add(await execProbe(ctx, 'healthcheck', ctx.healthcheck, execTimeout));
  if (opts.script) add(await scriptProbe(ctx.ports, opts.script, execTimeout, ctx.signal));
  return results;
}

async function waitPort(ctx: ProbeContext, p: PortTarget, waitMs: number): Promise<ProbeResult> {
  const t0 = Date.now();
  const outcome = await waitForPort(p.host, p.hostPort, { timeoutMs: waitMs, signal: ctx.signal, alive: ctx.alive });
  if (outcome === 'gone') throw new TargetGoneError(`waiting for port ${p.containerPort}`);
  if (outcome === 'aborted') throw ctx.signal?.reason ?? new Error('aborted');
  if (outcome === 'timeout') {
    throw new UserError(`port ${p.containerPort} did not accept connections within ${Math.round(waitMs / 1000)} s (raise --probe-wait, or use --continue-after exit/timeout for an app that does not listen)`);
  }
  return { kind: 'tcp', target: `tcp:${p.containerPort}`, ok: true, ms: Date.now() - t0, request: { kind: 'tcp', port: p.containerPort } };
}

function portsFor(ports: PortTarget[], spec: HttpProbeSpec): PortTarget[] {
  if (spec.port === undefined) return ports;
  const p = ports.find((x) => x.containerPort === spec.port);
  if (!p) throw new UserError(`HTTP probe ${spec.method} ${spec.path}@${spec.port}: port ${spec.port} is not exposed`);
  return [p];
}

function urlOf(p: PortTarget, scheme: string, path: string): string {
  const host = p.host.includes(':') ? `[${p.host}]` : p.host;
  return `${scheme}://${host}:${p.hostPort}${path.startsWith('/') ? path : `/${path}`}`;
}

function targetOf(req: HttpReq): string {
  return `${req.method} ${req.scheme}://:${req.port}${req.path}`;
}

/** Connection-level failures worth retrying (the app may still be warming up). */
function transient(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ECONNABORTED'].includes(code) || /socket hang up/.test(String((err as Error).message));
}

/** Sends `req`, retrying transient connection failures with backoff. */
async function send(p: PortTarget, req: HttpReq, timeoutMs: number, signal?: AbortSignal, tries = 4): Promise<HttpAnswer> {
  let delay = 250;
  for (let i = 1; ; i++) {
    try {
      return await httpRequest(urlOf(p, req.scheme, req.path), { method: req.method, headers: req.headers, body: req.body, timeoutMs, signal });
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

function answerResult(kind: 'http' | 'crawl', req: HttpReq, a: HttpAnswer, ms: number, env: HttpEnv): ProbeResult {
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

async function httpProbe(p: PortTarget, req: HttpReq, kind: 'http' | 'crawl', env: HttpEnv): Promise<ProbeResult> {
  const t0 = Date.now();
  try {
    return answerResult(kind, req, await send(p, req, env.timeoutMs, env.signal), Date.now() - t0, env);
  } catch (err) {
    return { kind, target: targetOf(req), ok: false, error: (err as Error).message, ms: Date.now() - t0, request: req };
  }
}

/**
 * GET / over http, then https; a port that answers neither is a plain TCP service and was
 * already probed by connecting. HTML answers are crawled breadth-first, same origin only.
 */
async function discover(p: PortTarget, opts: ProbeOptions, env: HttpEnv): Promise<{ scheme?: 'http' | 'https'; results: ProbeResult[] }> {
  const detectMs = Math.min(env.timeoutMs, 5000);
  for (const scheme of ['http', 'https'] as const) {
    const req: HttpReq = { kind: 'http', port: p.containerPort, scheme, method: 'GET', path: '/' };
    const t0 = Date.now();
    let a: HttpAnswer;
    try {
      a = await send(p, req, detectMs, env.signal);
    } catch {
      continue;
    }
    const results = [answerResult('http', req, a, Date.now() - t0, env)];
    results.push(...(await crawl(p, scheme, a, opts, env)));
    return { scheme, results };
  }
  return { results: [] };
}

async function crawl(p: PortTarget, scheme: 'http' | 'https', root: HttpAnswer, opts: ProbeOptions, env: HttpEnv): Promise<ProbeResult[]> {
  const depthMax = opts.crawlDepth ?? 2;
  const pagesMax = opts.crawlMax ?? 20;
  const rootUrl = urlOf(p, scheme, '/');
  const seen = new Set<string>([rootUrl]);
  const out: ProbeResult[] = [];
  let frontier: Array<{ url: string; answer: HttpAnswer }> = [{ url: rootUrl, answer: root }];
  for (let depth = 1; depth <= depthMax && frontier.length > 0; depth++) {
    const next: typeof frontier = [];
    for (const page of frontier) {
      if (!isHtml(page.answer)) continue;
      for (const link of sameOriginLinks(page.answer.body.toString('utf8'), page.url)) {
        if (seen.has(link) || out.length >= pagesMax) continue;
        seen.add(link);
        const u = new URL(link);
        const req: HttpReq = { kind: 'http', port: p.containerPort, scheme, method: 'GET', path: u.pathname + u.search };
        const t0 = Date.now();
        try {
          const a = await send(p, req, env.timeoutMs, env.signal, 2);
          out.push(answerResult('crawl', req, a, Date.now() - t0, env));
          next.push({ url: link, answer: a });
        } catch (err) {
          out.push({ kind: 'crawl', target: targetOf(req), ok: false, error: (err as Error).message, ms: Date.now() - t0, request: req });
        }
      }
    }
    frontier = next;
  }
  return out;
}

function isHtml(a: HttpAnswer): boolean {
  const ct = String(a.headers['content-type'] ?? '');
  return a.status < 400 && (/html/i.test(ct) || (!ct && /^\s*<(!doctype|html)/i.test(a.body.subarray(0, 200).toString())));
}

async function execProbe(ctx: ProbeContext, kind: 'exec' | 'healthcheck', argv: string[], timeoutMs: number): Promise<ProbeResult> {
  const t0 = Date.now();
  const target = kind === 'healthcheck' ? 'healthcheck' : `exec:${argv.join(' ')}`;
  const request: ProbeRequest = { kind, cmd: argv };
  try {
    const r = await ctx.exec(argv, timeoutMs);
    return { kind, target, ok: r.exitCode === 0, status: r.exitCode, bytes: r.stdout.length, bodyHash: sha256(r.stdout), ms: Date.now() - t0, request, ...(r.exitCode !== 0 ? { error: tail(r.stderr || r.stdout) } : {}) };
  } catch (err) {
    return { kind, target, ok: false, error: (err as Error).message, ms: Date.now() - t0, request };
  }
}

/** Env for --probe-script: where the container's ports are reachable from this host. */
export function scriptEnv(ports: PortTarget[]): Record<string, string> {
  const env: Record<string, string> = { SLIMTS_TARGET_HOST: ports[0]?.host ?? '127.0.0.1' };
  for (const p of ports) env[`SLIMTS_TARGET_PORT_${p.containerPort}`] = String(p.hostPort);
  if (ports[0]) env.SLIMTS_TARGET_URL = urlOf(ports[0], 'http', '/').replace(/\/$/, '');
  return env;
}

async function scriptProbe(ports: PortTarget[], script: string, timeoutMs: number, signal?: AbortSignal): Promise<ProbeResult> {
  const t0 = Date.now();
  const target = `script:${script}`;
  const r = await execa(script, [], { env: scriptEnv(ports), stdin: 'ignore', reject: false, timeout: timeoutMs, cancelSignal: signal, all: true });
  const ok = r.exitCode === 0;
  return { kind: 'script', target, ok, ...(r.exitCode !== undefined ? { status: r.exitCode } : {}), ms: Date.now() - t0, request: { kind: 'script', path: script }, ...(ok ? {} : { error: tail(String(r.all ?? '')) || r.shortMessage }) };
}

function tail(s: string, n = 5): string {
  return s.trim().split('\n').slice(-n).join('\n');
}
