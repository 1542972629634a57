// A minimal HTTP(S) client for probing: no keep-alive, self-signed certificates accepted,
// bounded body size and time.
import http from 'node:http';
import https from 'node:https';

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface HttpRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Bodies are read up to this many bytes (hash covers what was read). Default 8 MiB. */
  maxBytes?: number;
}

export function httpRequest(url: string, opts: HttpRequestOptions = {}): Promise<HttpAnswer> {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  const max = opts.maxBytes ?? 8 << 20;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      u,
      {
        method: opts.method ?? 'GET',
        headers: { 'user-agent': 'slimts-probe', connection: 'close', ...opts.headers },
        agent: false,
        rejectUnauthorized: false,
        timeout: opts.timeoutMs ?? 10_000,
        signal: opts.signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let n = 0;
        res.on('data', (c: Buffer) => {
          if (n < max) chunks.push(c.subarray(0, max - n));
          n += c.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${Math.round((opts.timeoutMs ?? 10_000) / 1000)} s`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Answers are compared by the hex sha256 of their bodies. */
export { sha256Hex as sha256 } from '../util/digest.js';
