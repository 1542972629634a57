// What an open port speaks, found out in about a second: HTTP, TLS (HTTP inside), or something
// else. A port that is not HTTP must not cost the run a full request timeout per scheme, and
// every attempt (failed ones too) is timed for the report.
import { connect, type Socket } from 'node:net';
import tls from 'node:tls';
import { sleep } from './tcp.js';
import type { Protocol, SniffAttempt } from './types.js';

/**
 * How long a server may take to greet first (SMTP, MySQL, FTP, ...). Such servers greet as they
 * accept; one that greets later still settles as "other" (its banner then answers our request).
 */
const BANNER_MS = 50;
/** How long the first bytes of a reply to an HTTP request may take before the port is "silent". */
const REPLY_MS = 2000;
/** A TLS handshake is answered by the server's TLS library, never by app code: short. */
const TLS_MS = 1000;
/** Pauses before asking a port that closed on us again. */
const CLOSE_RETRIES = [200];
/** Bytes of a banner or reply kept for the report. */
const SHOWN = 60;

export interface Sniffed {
  protocol: Protocol;
  attempts: SniffAttempt[];
}

export interface SniffOptions {
  signal?: AbortSignal;
  /** Cap on REPLY_MS (the run's request timeout). */
  replyMs?: number;
  /**
   * How long to listen for a banner before `HEAD /` (BANNER_MS). 0 sends at once: a port known
   * to speak HTTP is only being checked, and a greeting would still show, as the reply.
   */
  bannerMs?: number;
}

/**
 * Listens for a banner, then sends `HEAD /` on the same connection. An HTTP status line settles
 * it (a 400 may be a TLS server refusing plain HTTP: TLS is tried then); other bytes that are not
 * a TLS record settle it as "other". A close or a TLS alert gets one TLS handshake, and a close
 * one more plain try. Silence is "unknown": a slow app may still be HTTP, the caller decides.
 */
export async function sniffPort(host: string, port: number, opts: SniffOptions = {}): Promise<Sniffed> {
  const attempts: SniffAttempt[] = [];
  const replyMs = Math.min(REPLY_MS, opts.replyMs ?? REPLY_MS);
  const bannerMs = opts.bannerMs ?? BANNER_MS;
  let plain = await plainAttempt(host, port, replyMs, bannerMs, opts.signal);
  attempts.push(...plain.attempts);
  for (let retry = 0; ; retry++) {
    if (plain.outcome === 'banner') return { protocol: 'other', attempts };
    if (plain.outcome === 'http' && plain.status !== 400) return { protocol: 'http', attempts };
    if (plain.outcome === 'silent') return { protocol: 'unknown', attempts };
    // bytes that are neither HTTP nor a TLS record (alert 0x15, handshake 0x16): not TLS either
    if (plain.outcome === 'reply' && !plain.tlsRecord) return { protocol: 'other', attempts };
    if (retry === 0) {
      const t = await tlsAttempt(host, port, opts.signal);
      attempts.push(t);
      if (t.ok) return { protocol: 'https', attempts };
    }
    // a close may be an app still warming up behind the engine's proxy: ask again, briefly
    if (plain.outcome === 'http' || plain.outcome === 'reply' || retry >= CLOSE_RETRIES.length || opts.signal?.aborted) break;
    await sleep(CLOSE_RETRIES[retry]!, opts.signal);
    plain = await plainAttempt(host, port, replyMs, bannerMs, opts.signal);
    attempts.push(...plain.attempts);
  }
  return { protocol: plain.outcome === 'http' ? 'http' : 'other', attempts };
}

interface PlainOutcome {
  outcome: 'banner' | 'http' | 'reply' | 'closed' | 'silent' | 'failed';
  status?: number;
  /** The reply starts like a TLS record: a TLS server answering plain text. */
  tlsRecord?: boolean;
  attempts: SniffAttempt[];
}

function plainAttempt(host: string, port: number, replyMs: number, bannerMs: number, signal?: AbortSignal): Promise<PlainOutcome> {
  return new Promise((resolve) => {
    const attempts: SniffAttempt[] = [];
    const sock: Socket = connect({ host, port });
    let t0 = Date.now();
    let step: 'banner' | 'http' = 'banner';
    let timer: NodeJS.Timeout | undefined;
    let got = Buffer.alloc(0);
    let done = false;
    const finish = (outcome: PlainOutcome['outcome'], ok: boolean, detail: string, status?: number) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      sock.destroy();
      attempts.push({ step, ok, ms: Date.now() - t0, detail });
      const tlsRecord = (got[0] === 0x15 || got[0] === 0x16) && got[1] === 0x03;
      resolve({ outcome, attempts, ...(status !== undefined ? { status } : {}), ...(tlsRecord ? { tlsRecord } : {}) });
    };
    const onAbort = () => finish('failed', false, 'aborted');
    signal?.addEventListener('abort', onAbort, { once: true });
    const sendHttp = () => {
      if (bannerMs > 0) attempts.push({ step: 'banner', ok: false, ms: Date.now() - t0, detail: `none in ${bannerMs} ms` });
      step = 'http';
      t0 = Date.now();
      // HTTP/1.0 needs no Host line, and a Host line makes some servers (redis) hang up rather than answer
      sock.write('HEAD / HTTP/1.0\r\nUser-Agent: slimts-probe\r\n\r\n');
      timer = setTimeout(() => finish('silent', false, `no reply in ${replyMs} ms`), replyMs);
    };
    sock.setTimeout(0);
    sock.once('connect', () => {
      if (bannerMs > 0) timer = setTimeout(sendHttp, bannerMs);
      else sendHttp();
    });
    sock.on('data', (c: Buffer) => {
      got = Buffer.concat([got, c]).subarray(0, 256);
      if (step === 'banner') return finish('banner', true, shown(got));
      // wait for a whole status line (or enough bytes to know it is not one)
      const line = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(got.toString('latin1'));
      if (line) return finish('http', true, shown(got), Number(line[1]));
      const text = got.toString('latin1');
      if (got.length >= 12 || !'HTTP/'.startsWith(text.slice(0, 5))) finish('reply', false, shown(got));
    });
    sock.once('end', () => (got.length ? finish('reply', false, shown(got)) : finish('closed', false, 'closed')));
    sock.once('close', () => finish(got.length ? 'reply' : 'closed', false, got.length ? shown(got) : 'closed'));
    sock.once('error', (err: NodeJS.ErrnoException) => finish('failed', false, err.code ?? err.message));
  });
}

function tlsAttempt(host: string, port: number, signal?: AbortSignal): Promise<SniffAttempt> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    // no SNI for an address (Node warns on IP servernames)
    const sock = tls.connect({ host, port, rejectUnauthorized: false, ...(/^[\d.:]+$/.test(host) ? {} : { servername: host }) });
    let done = false;
    const finish = (ok: boolean, detail: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      sock.destroy();
      resolve({ step: 'tls', ok, ms: Date.now() - t0, detail });
    };
    const onAbort = () => finish(false, 'aborted');
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => finish(false, `no handshake in ${TLS_MS} ms`), TLS_MS);
    sock.once('secureConnect', () => finish(true, sock.getProtocol() ?? 'tls'));
    sock.once('error', (err: NodeJS.ErrnoException) => finish(false, err.code ?? err.message));
    sock.once('close', () => finish(false, 'closed'));
  });
}

/** The first bytes as printable text (binary shown as \xNN), for the report. */
function shown(b: Buffer): string {
  let s = '';
  for (const c of b.subarray(0, SHOWN)) s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : c === 0x0d ? '\\r' : c === 0x0a ? '\\n' : `\\x${c.toString(16).padStart(2, '0')}`;
  return b.length > SHOWN ? `${s}…` : s;
}
