// Runs every probe against a started container: ports (and what each speaks), HTTP discovery
// (GET /, robots.txt, sitemap.xml, OpenAPI operations, a same-origin crawl), explicit requests,
// commands inside the container, the health check, and a host script.
import { execa } from 'execa';
import { UserError } from '../util/errors.js';
import { sha256, type HttpAnswer } from './http.js';
import { discoverPort, runInOrder } from './discover.js';
import { answerResult, failedResult, httpReq, send, urlOf, type HttpEnv, type HttpReq } from './send.js';
import { sniffPort } from './sniff.js';
import { reachOf, waitForPort } from './tcp.js';
import type { HttpProbeSpec, PortTarget, ProbeContext, ProbeOptions, ProbeRequest, ProbeResult, SniffAttempt } from './types.js';

/** Thrown when the container went away while a probe waited for it. */
export class TargetGoneError extends Error {
  constructor(what: string) {
    super(`the container exited while ${what}`);
    this.name = 'TargetGoneError';
  }
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
  const env: HttpEnv = { timeoutMs, signal: ctx.signal, startedAt: ctx.startedAt, concurrency: Math.max(1, opts.concurrency ?? 4) };
  const schemes = new Map<number, 'http' | 'https'>();
  const ports = await Promise.all(ctx.ports.map(reachOf));

  if (opts.replay) {
    await replay(ctx, ports, opts.replay, opts, env, add);
  } else {
    for (const p of ports) {
      const tcp = await waitPort(ctx, p, (opts.probeWait ?? 60) * 1000);
      if (opts.noHttpProbe) {
        add(tcp);
        continue;
      }
      const settled = await settlePort(p, tcp, env);
      add(settled.tcp);
      if (!settled.root) continue;
      schemes.set(p.containerPort, settled.root.req.scheme);
      add(settled.root.result);
      if (settled.root.answer) (await discoverPort(p, settled.root.req.scheme, settled.root.answer, opts, env)).forEach(add);
    }
    for (const spec of opts.http ?? []) {
      for (const p of portsFor(ports, spec)) {
        const req = httpReq(p, schemes.get(p.containerPort) ?? 'http', spec.method.toUpperCase(), spec.path, spec);
        (await runInOrder(p, [req], 'http', env)).forEach(add);
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

/**
 * The verifier's run: the same ports (sniffed again where the traced run sniffed them, so a
 * port that stopped speaking its protocol shows), then every HTTP probe that got an answer,
 * in the traced run's order (safe ones concurrently between unsafe ones).
 */
async function replay(ctx: ProbeContext, ports: PortTarget[], original: ProbeResult[], opts: ProbeOptions, env: HttpEnv, add: (r: ProbeResult) => void): Promise<void> {
  // a port's sniff runs beside the replayed requests, on a connection of its own: its wait for
  // a banner is pure waiting; the results keep their order (ports first)
  const sniffs: Array<Promise<ProbeResult>> = [];
  for (const p of ports) {
    const tcp = await waitPort(ctx, p, (opts.probeWait ?? 60) * 1000);
    const before = original.find((r) => r.kind === 'tcp' && r.request?.kind === 'tcp' && r.request.port === p.containerPort);
    if (!before?.protocol) {
      sniffs.push(Promise.resolve(tcp));
      continue;
    }
    // a port that spoke HTTP is asked at once (a greeting would still show, as the reply)
    const bannerMs = before.protocol === 'http' || before.protocol === 'https' ? 0 : undefined;
    sniffs.push(sniffPort(p.host, p.hostPort, { signal: env.signal, replyMs: env.timeoutMs, bannerMs }).then((sniffed) =>
      // silence is no verdict (a slow first answer): the replayed requests judge that port
      ({ ...tcp, protocol: sniffed.protocol === 'unknown' ? before.protocol : sniffed.protocol, attempts: [...(tcp.attempts ?? []), ...sniffed.attempts] })));
  }
  const portResults = Promise.all(sniffs);
  portResults.catch(() => undefined);
  const requests: ProbeResult[] = [];
  const answered = original.filter((r) => r.request?.kind === 'http' && r.status !== undefined);
  for (let i = 0; i < answered.length; ) {
    // one port and kind at a time, keeping order
    const first = answered[i]!;
    const port = (first.request as HttpReq).port;
    let j = i;
    while (j < answered.length && answered[j]!.kind === first.kind && (answered[j]!.request as HttpReq).port === port) j++;
    const target = ports.find((p) => p.containerPort === port);
    if (target) {
      const kind = first.kind as 'http' | 'crawl' | 'discover' | 'api';
      requests.push(...(await runInOrder(target, answered.slice(i, j).map((r) => r.request as HttpReq), kind, env)));
    }
    i = j;
  }
  (await portResults).forEach(add);
  requests.forEach(add);
}

async function waitPort(ctx: ProbeContext, p: PortTarget, waitMs: number): Promise<ProbeResult> {
  const t0 = Date.now();
  const outcome = await waitForPort(p, { timeoutMs: waitMs, signal: ctx.signal, alive: ctx.alive });
  if (outcome === 'gone') throw new TargetGoneError(`waiting for port ${p.containerPort}`);
  if (outcome === 'aborted') throw ctx.signal?.reason ?? new Error('aborted');
  if (outcome === 'timeout') {
    throw new UserError(`port ${p.containerPort} did not accept connections within ${Math.round(waitMs / 1000)} s (raise --probe-wait, or use --continue-after exit/timeout for an app that does not listen)`);
  }
  const ms = Date.now() - t0;
  return { kind: 'tcp', target: `tcp:${p.containerPort}`, ok: true, ms, attempts: [{ step: 'wait', ok: true, ms }], request: { kind: 'tcp', port: p.containerPort } };
}

function portsFor(ports: PortTarget[], spec: HttpProbeSpec): PortTarget[] {
  if (spec.port === undefined) return ports;
  const p = ports.find((x) => x.containerPort === spec.port);
  if (!p) throw new UserError(`HTTP probe ${spec.method} ${spec.path}@${spec.port}: port ${spec.port} is not exposed`);
  return [p];
}

interface Settled {
  tcp: ProbeResult;
  /** GET / of a port that speaks HTTP: answered, or failed (a failed probe). */
  root?: { req: HttpReq; result: ProbeResult; answer?: HttpAnswer };
}

/**
 * What the port speaks, and its answer to GET / when it speaks HTTP. A port that stayed silent
 * to the sniff may be a slow HTTP app: it gets GET / over http, then https, with the full request
 * timeout, each timed into the port's attempts; answering neither, it is "other".
 */
async function settlePort(p: PortTarget, tcp: ProbeResult, env: HttpEnv): Promise<Settled> {
  const sniffed = await sniffPort(p.host, p.hostPort, { signal: env.signal, replyMs: env.timeoutMs });
  const attempts: SniffAttempt[] = [...(tcp.attempts ?? []), ...sniffed.attempts];
  const silent = sniffed.protocol === 'unknown';
  const schemes: Array<'http' | 'https'> = sniffed.protocol === 'http' || sniffed.protocol === 'https' ? [sniffed.protocol] : silent ? ['http', 'https'] : [];
  let protocol = silent ? 'other' : sniffed.protocol;
  let root: Settled['root'];
  for (const scheme of schemes) {
    const req = httpReq(p, scheme, 'GET', '/');
    const t0 = Date.now();
    try {
      const answer = await send(p, req, env.timeoutMs, env.signal);
      root = { req, answer, result: answerResult('http', req, answer, Date.now() - t0, env) };
      protocol = scheme;
      break;
    } catch (err) {
      const ms = Date.now() - t0;
      if (!silent) root = { req, result: failedResult('http', req, err, ms) };
      else attempts.push({ step: scheme === 'https' ? 'tls' : 'http', ok: false, ms, detail: `GET /: ${(err as Error).message}` });
    }
  }
  const ms = attempts.reduce((n, x) => n + x.ms, 0);
  return { tcp: { ...tcp, ms, protocol, attempts }, ...(root ? { root } : {}) };
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
