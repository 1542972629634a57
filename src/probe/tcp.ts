// Waiting for a port to accept connections. A published port is answered at once by the
// engine's userland proxy even before the app listens; the proxy then closes the connection.
// So a port only counts as open when a connection stays up (or the server speaks first).
import { connect } from 'node:net';

const SETTLE_MS = 300;

/** One attempt: resolves true when the connection is accepted and not dropped within SETTLE_MS. */
export function tryConnect(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
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
      setTimeout(() => finish(true), SETTLE_MS);
    });
  });
}

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Stop early when this says the target is gone. */
  alive?: () => Promise<boolean>;
}

export type WaitOutcome = 'open' | 'timeout' | 'gone' | 'aborted';

/** Retries tryConnect with backoff (100 ms doubling to 2 s) until open or out of time. */
export async function waitForPort(host: string, port: number, opts: WaitOptions): Promise<WaitOutcome> {
  const deadline = Date.now() + opts.timeoutMs;
  let delay = 100;
  for (;;) {
    if (opts.signal?.aborted) return 'aborted';
    if (await tryConnect(host, port, Math.min(2000, Math.max(200, deadline - Date.now())))) return 'open';
    if (opts.alive && !(await opts.alive())) return 'gone';
    const left = deadline - Date.now();
    if (left <= 0) return 'timeout';
    await sleep(Math.min(delay, left), opts.signal);
    delay = Math.min(delay * 2, 2000);
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
