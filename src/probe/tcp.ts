// Waiting for a port to accept connections. A published port is answered at once by the
// engine's userland proxy even before the app listens; the proxy then closes the connection.
// So through the proxy a port only counts as open when a connection stays up (or the server
// speaks first). The container's own address, reachable when the engine runs on this host, has
// no proxy in front: an accepted connection there is the app's and a refusal comes at once, so
// it is polled briskly and needs no settling.
import { connect } from 'node:net';
import type { PortTarget } from './types.js';

const SETTLE_MS = 300;
/** How long the container's own address may take to refuse or accept before it counts as unreachable from here. */
const DIRECT_DIAL_MS = 250;
/** Polling: the first pause, the growth per attempt, the longest pause (direct, proxied). */
const FIRST_PAUSE_MS = { direct: 20, proxied: 100 };
const MAX_PAUSE_MS = { direct: 500, proxied: 2000 };
const GROWTH = 1.5;
/** How often a failed wait asks whether the container is still there (an engine round trip). */
const ALIVE_EVERY_MS = 500;

/**
 * One attempt: resolves true when the connection is accepted and not dropped within `settleMs`
 * (0: accepted is enough).
 */
export function tryConnect(host: string, port: number, timeoutMs = 2000, settleMs = SETTLE_MS): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.once('error', () => finish(false));
    sock.once('close', () => finish(false));
    sock.once('end', () => finish(false));
    sock.once('data', () => finish(true)); // servers that greet first (redis does not; smtp, mysql do)
    sock.once('connect', () => {
      clearTimeout(timer);
      if (settleMs <= 0) finish(true);
      else setTimeout(() => finish(true), settleMs);
    });
  });
}

/** Whether host:port answers at all: accepted, refused (a host that is there), or nothing in time. */
function dial(host: string, port: number, timeoutMs: number): Promise<'open' | 'refused' | 'unreachable'> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const finish = (r: 'open' | 'refused' | 'unreachable') => {
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish('unreachable'), timeoutMs);
    sock.once('connect', () => finish('open'));
    sock.once('error', (err: NodeJS.ErrnoException) => finish(err.code === 'ECONNREFUSED' ? 'refused' : 'unreachable'));
  });
}

/**
 * Where the probes of `p` go: the container's own address when this host reaches it (a refusal
 * proves it does: the container's network answered), else the published port.
 */
export async function reachOf(p: PortTarget): Promise<PortTarget> {
  if (p.proxied !== undefined) return p;
  if (p.direct && (await dial(p.direct.host, p.direct.port, DIRECT_DIAL_MS)) !== 'unreachable') {
    return { containerPort: p.containerPort, host: p.direct.host, hostPort: p.direct.port, proxied: false };
  }
  return { ...p, proxied: true };
}

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Stop early when this says the target is gone. */
  alive?: () => Promise<boolean>;
}

export type WaitOutcome = 'open' | 'timeout' | 'gone' | 'aborted';

/**
 * Retries tryConnect until open or out of time, pausing a little longer each time (so a late
 * answer is seen within half the time already waited). `p.proxied === false` (the container's
 * own address) needs no settling and is polled from 20 ms; anything else may be a proxy.
 */
export async function waitForPort(p: Pick<PortTarget, 'host' | 'hostPort' | 'proxied'>, opts: WaitOptions): Promise<WaitOutcome> {
  const way = p.proxied === false ? 'direct' : 'proxied';
  const deadline = Date.now() + opts.timeoutMs;
  let pause = FIRST_PAUSE_MS[way];
  let askedAlive = Date.now();
  for (;;) {
    if (opts.signal?.aborted) return 'aborted';
    const attemptMs = Math.min(2000, Math.max(200, deadline - Date.now()));
    if (await tryConnect(p.host, p.hostPort, attemptMs, way === 'direct' ? 0 : SETTLE_MS)) return 'open';
    if (opts.alive && Date.now() - askedAlive >= ALIVE_EVERY_MS) {
      askedAlive = Date.now();
      if (!(await opts.alive())) return 'gone';
    }
    const left = deadline - Date.now();
    if (left <= 0) return 'timeout';
    await sleep(Math.min(pause, left), opts.signal);
    pause = Math.min(pause * GROWTH, MAX_PAUSE_MS[way]);
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
