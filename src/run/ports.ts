// The ports a traced run probes: the app's own, as the sensor saw it listen (`--ports-out`,
// FORMAT.md `#listen`), beside the image's EXPOSEd ones. An image may EXPOSE a port its app never
// opens (a base image's EXPOSE cannot be undone by a Dockerfile): once the app listens
// somewhere, such a port gets a short grace and then is a warning, not a failure.

export interface Listen {
  port: number;
  /** The local address as the kernel reports it ("0.0.0.0", "::", "127.0.0.1", ...). */
  addr: string;
}

/** The sensor's ports file: `PORT<TAB>ADDR` lines; malformed lines are skipped. */
export function parseListens(text: string): Listen[] {
  const out: Listen[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d{1,5})\t([0-9a-fA-F.:]*)$/.exec(line);
    const port = m ? Number(m[1]) : 0;
    if (m && port >= 1 && port <= 65535) out.push({ port, addr: m[2]! });
  }
  return out;
}

/** Reachable only from inside the container: a loopback address. */
export function isLoopback(addr: string): boolean {
  return addr.startsWith('127.') || addr === '::1' || addr.startsWith('::ffff:127.');
}

export interface SettleInput {
  exposed: readonly number[];
  /** What the sensor saw the app listen on so far (empty when it saw nothing, e.g. untraced). */
  listened: () => Promise<Listen[]>;
  /** Whether an exposed port accepts a connection now (the app may listen unseen by the sensor). */
  accepts: (port: number) => Promise<boolean>;
  alive: () => Promise<boolean>;
  /** Longest wait for any port (--probe-wait). */
  waitMs: number;
  /**
   * Once the app listens somewhere: how long an exposed port not yet open still gets after the
   * app's latest new port: at least this, and as long as the app took to open its first (a
   * slow starter may open an admin port well before its main one).
   */
  graceMs: number;
  signal?: AbortSignal;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface Settled {
  /** Ports to probe: exposed ones that opened, then the app's own, in the order seen. */
  open: number[];
  /** Exposed ports that never opened. */
  missing: number[];
  /** Ports the app listens on at a loopback address only (not reachable from outside). */
  loopback: number[];
  /** The container went away while waiting. */
  gone: boolean;
  /** How long it waited. */
  waitedMs: number;
}

/**
 * Polls until every exposed port is open, or the app listened somewhere and `graceMs` passed
 * with nothing new, or `waitMs` passed, or the signal aborted (a trigger that needs no ports).
 */
export async function settlePorts(o: SettleInput): Promise<Settled> {
  const t0 = Date.now();
  let lastNew = t0;
  let grace = o.graceMs;
  let pause = 50;
  const open: number[] = [];
  const loopback = new Set<number>();
  const opened = (p: number) => {
    if (open.includes(p)) return;
    if (open.length === 0) grace = Math.max(o.graceMs, Date.now() - t0);
    open.push(p);
    lastNew = Date.now();
  };
  let gone = false;
  for (;;) {
    for (const l of await o.listened()) {
      if (isLoopback(l.addr)) loopback.add(l.port);
      else opened(l.port);
    }
    for (const p of o.exposed) if (!open.includes(p) && (await o.accepts(p))) opened(p);
    const now = Date.now();
    if (o.exposed.length > 0 && o.exposed.every((p) => open.includes(p))) break;
    if (open.length > 0 && now - lastNew >= grace) break;
    if (now - t0 >= o.waitMs || o.signal?.aborted) break;
    if (!(await o.alive())) {
      gone = true;
      break;
    }
    await o.sleep(Math.min(pause, Math.max(0, o.waitMs - (now - t0))), o.signal);
    pause = Math.min(pause * 1.5, 500);
  }
  const exposedFirst = [...o.exposed.filter((p) => open.includes(p)), ...open.filter((p) => !o.exposed.includes(p))];
  return { open: exposedFirst, missing: o.exposed.filter((p) => !open.includes(p)), loopback: [...loopback].filter((p) => !open.includes(p)), gone, waitedMs: Date.now() - t0 };
}
