// Protocol sniffing and discovery beyond links (robots.txt, sitemap.xml, OpenAPI 2/3), against
// local servers on 127.0.0.1 (no engine needed).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiOperations } from '../../src/probe/openapi.js';
import { runProbes } from '../../src/probe/run.js';
import { sniffPort } from '../../src/probe/sniff.js';
import { parseRobots, parseSitemap } from '../../src/probe/wellknown.js';
import { compareRuns } from '../../src/run/compare.js';
import type { RunResult } from '../../src/run/types.js';
import type { PortTarget, ProbeContext, ProbeResult } from '../../src/probe/types.js';

const closers: Array<() => void> = [];
afterEach(() => closers.splice(0).forEach((c) => c()));

async function listen(server: net.Server): Promise<PortTarget> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => sockets.add(s.on('close', () => sockets.delete(s))));
  server.on('secureConnection', (s: net.Socket) => sockets.add(s.on('close', () => sockets.delete(s))));
  closers.push(() => {
    sockets.forEach((s) => s.destroy());
    server.close();
  });
  return { containerPort: 8000, host: '127.0.0.1', hostPort: (server.address() as net.AddressInfo).port };
}

function ctx(ports: PortTarget[]): ProbeContext {
  return { ports, exec: async () => ({ exitCode: 0, stdout: '', stderr: '' }), alive: async () => true };
}

let certDir: string;
let cert: { key: Buffer; cert: Buffer };
beforeAll(() => {
  certDir = mkdtempSync(join(tmpdir(), 'slimts-discover-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=slimts-test', '-keyout', join(certDir, 'k.pem'), '-out', join(certDir, 'c.pem')], { stdio: 'ignore' });
  cert = { key: readFileSync(join(certDir, 'k.pem')), cert: readFileSync(join(certDir, 'c.pem')) };
});
afterAll(() => rmSync(certDir, { recursive: true, force: true }));

describe('sniffPort', () => {
  const steps = (r: { attempts: Array<{ step: string; ms: number }> }) => r.attempts.map((a) => a.step);

  it('HTTP: settled by the reply to HEAD /, in one connection', async () => {
    const p = await listen(http.createServer((_, res) => res.end('x')));
    const r = await sniffPort(p.host, p.hostPort);
    expect(r.protocol).toBe('http');
    expect(steps(r)).toEqual(['banner', 'http']);
    expect(r.attempts[1]).toMatchObject({ ok: true, detail: expect.stringMatching(/^HTTP\/1\.[01] 200/) });
  });

  it('a server that greets first (banner) is other, without sending it anything', async () => {
    let got = '';
    const p = await listen(net.createServer((s) => {
      s.on('data', (d) => (got += d));
      s.write('220 smtp.example ESMTP ready\r\n');
    }));
    const r = await sniffPort(p.host, p.hostPort);
    expect(r).toMatchObject({ protocol: 'other', attempts: [{ step: 'banner', ok: true, detail: '220 smtp.example ESMTP ready\\r\\n' }] });
    expect(got).toBe('');
  });

  it('checking a port known to speak HTTP (bannerMs 0): HEAD at once; a greeting still shows, as the reply', async () => {
    const web = await listen(http.createServer((_, res) => res.end('x')));
    const r = await sniffPort(web.host, web.hostPort, { bannerMs: 0 });
    expect(r.protocol).toBe('http');
    // no banner step: nothing was waited for
    expect(steps(r)).toEqual(['http']);
    const smtp = await listen(net.createServer((s) => s.write('220 smtp.example ESMTP ready\r\n')));
    const g = await sniffPort(smtp.host, smtp.hostPort, { bannerMs: 0 });
    expect(g.protocol).toBe('other');
    expect(g.attempts[0]).toMatchObject({ step: 'http', detail: expect.stringMatching(/^220 smtp/) });
  });

  it('a reply that is not HTTP (redis-like) is other, no TLS try', async () => {
    const p = await listen(net.createServer((s) => s.on('data', () => s.write("-ERR unknown command 'HEAD'\r\n"))));
    const r = await sniffPort(p.host, p.hostPort);
    expect(r.protocol).toBe('other');
    expect(steps(r)).toEqual(['banner', 'http']);
    expect(r.attempts[1]!.detail).toMatch(/^-ERR unknown command/);
  });

  it('a server that hangs up on anything is other after one TLS try and one more plain try', async () => {
    const p = await listen(net.createServer((s) => s.on('data', () => s.destroy())));
    const r = await sniffPort(p.host, p.hostPort);
    expect(r.protocol).toBe('other');
    expect(steps(r)).toEqual(['banner', 'http', 'tls', 'banner', 'http']);
    expect(r.attempts.every((a) => a.ms >= 0 && !(a.step === 'http' && a.ok))).toBe(true);
  });

  it('TLS: a server refusing plain text (alert, close or HTTP 400) is https', async () => {
    const node = await listen(https.createServer(cert, (_, res) => res.end('x')));
    expect((await sniffPort(node.host, node.hostPort)).protocol).toBe('https');
    // like nginx and Go: an HTTP 400 to plain HTTP on a TLS port
    const inner = https.createServer(cert, (_, res) => res.end('x'));
    closers.push(() => inner.close());
    const mixed = net.createServer((s) => {
      s.once('data', (d: Buffer) => {
        s.pause();
        s.unshift(d);
        if (d[0] === 0x16) inner.emit('connection', s);
        else s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\nThe plain HTTP request was sent to HTTPS port');
      });
    });
    const m = await listen(mixed);
    const r = await sniffPort(m.host, m.hostPort);
    expect(r.protocol).toBe('https');
    expect(steps(r)).toEqual(['banner', 'http', 'tls']);
  });

  it('silence is unknown (a slow app may still be HTTP)', async () => {
    const p = await listen(net.createServer(() => {}));
    const r = await sniffPort(p.host, p.hostPort, { replyMs: 300 });
    expect(r.protocol).toBe('unknown');
    expect(r.attempts.at(-1)).toMatchObject({ step: 'http', ok: false, detail: 'no reply in 300 ms' });
  });
});

describe('runProbes on ports that are not HTTP', () => {
  it('settles a redis-like port in well under the request timeout and reports every attempt', async () => {
    const p = await listen(net.createServer((s) => s.on('data', () => s.write('-ERR\r\n'))));
    const results = await runProbes(ctx([p]), { requestTimeout: 10 });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ kind: 'tcp', ok: true, protocol: 'other' });
    expect(results[0]!.attempts!.map((a) => a.step)).toEqual(['wait', 'banner', 'http']);
    expect(results[0]!.ms).toBe(results[0]!.attempts!.reduce((n, a) => n + a.ms, 0));
  });

  it('a silent port gets GET / with the full timeout before it counts as other', async () => {
    let first = true;
    const slow = http.createServer((_, res) => {
      setTimeout(() => res.end('late'), first ? 2500 : 0);
      first = false;
    });
    const p = await listen(slow);
    const results = await runProbes(ctx([p]), { requestTimeout: 5 });
    expect(results[0]).toMatchObject({ protocol: 'http' });
    expect(results[1]).toMatchObject({ target: 'GET http://:8000/', ok: true, status: 200 });
  });
});

// An API that only its description lists; it records what was called.
function apiServer(doc: object, seen: string[], extra: Record<string, string> = {}): http.Server {
  let inFlight = 0;
  const server = http.createServer((req, res) => {
    inFlight++;
    (server as unknown as { peak: number }).peak = Math.max((server as unknown as { peak: number }).peak ?? 0, inFlight);
    let body = '';
    req.on('data', (c) => (body += c)).on('end', () => {
      seen.push(`${req.method} ${req.url}${body ? ` ${body}` : ''}`);
      setTimeout(() => {
        inFlight--;
        const url = req.url ?? '';
        if (url === '/openapi.json' || url === '/v2/api-docs') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
        if (url in extra) return res.writeHead(200, { 'content-type': url.endsWith('.xml') ? 'application/xml' : url.endsWith('.txt') ? 'text/plain' : 'text/html' }).end(extra[url]);
        if (url.startsWith('/items/') || url.startsWith('/search') || url.startsWith('/things') || url.startsWith('/pages/')) return res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        res.writeHead(404).end('nope');
      }, 20);
    });
  });
  return server;
}

const OAS3 = {
  openapi: '3.0.2',
  servers: [{ url: '/api' }],
  paths: {
    '/items/{item_id}': {
      parameters: [{ name: 'item_id', in: 'path', required: true, schema: { type: 'integer', minimum: 7 } }],
      get: { parameters: [{ name: 'verbose', in: 'query', schema: { type: 'boolean', default: false } }, { name: 'unused', in: 'query', schema: { type: 'string' } }] },
      delete: {},
    },
    '/search': { get: { parameters: [{ name: 'q', in: 'query', required: true, example: 'ap' }, { name: 'x-key', in: 'header', required: true, schema: { type: 'string', format: 'uuid' } }] } },
    '/export/{fmt}': { get: { parameters: [{ name: 'fmt', in: 'path', required: true, schema: { $ref: '#/components/schemas/Fmt' } }] } },
    '/items': { post: { requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } } } }, head: {} },
  },
  components: {
    schemas: {
      Fmt: { type: 'string', enum: ['sqlite', 'xml'] },
      Item: { type: 'object', properties: { name: { type: 'string', minLength: 3 }, tags: { type: 'array', items: { type: 'string', format: 'date' } } } },
    },
  },
};

const SWAGGER2 = {
  swagger: '2.0',
  basePath: '/v1/',
  paths: {
    '/things/{id}': { get: { parameters: [{ name: 'id', in: 'path', required: true, type: 'string', format: 'uuid' }, { name: 'n', in: 'query', type: 'integer', default: 3 }] } },
    '/things': { put: { parameters: [{ name: 'body', in: 'body', schema: { $ref: '#/definitions/Thing' } }] } },
  },
  definitions: { Thing: { type: 'object', properties: { id: { type: 'integer' } } } },
};

describe('apiOperations', () => {
  it('fills OpenAPI 3 parameters from examples, defaults, enums ($ref) and types; GET/HEAD only by default', () => {
    expect(apiOperations(OAS3)).toEqual([
      { method: 'GET', path: '/api/items/7?verbose=false' },
      { method: 'GET', path: '/api/search?q=ap', headers: { 'x-key': '00000000-0000-4000-8000-000000000000' } },
      { method: 'GET', path: '/api/export/sqlite' },
      { method: 'HEAD', path: '/api/items' },
    ]);
  });

  it('unsafe: POST/PUT/PATCH/DELETE after the safe ones, with a body made from the schema', () => {
    const unsafe = apiOperations(OAS3, { unsafe: true }).slice(4);
    expect(unsafe).toEqual([
      { method: 'POST', path: '/api/items', body: '{"name":"xxx","tags":["2024-01-01"]}', headers: { 'content-type': 'application/json' } },
      { method: 'DELETE', path: '/api/items/7' },
    ]);
  });

  it('reads Swagger 2 (basePath, parameters with types, body parameters)', () => {
    expect(apiOperations(SWAGGER2, { unsafe: true })).toEqual([
      { method: 'GET', path: '/v1/things/00000000-0000-4000-8000-000000000000?n=3' },
      { method: 'PUT', path: '/v1/things', body: '{"id":1}', headers: { 'content-type': 'application/json' } },
    ]);
  });

  it('ignores what is not an API description, and stops at the limit', () => {
    expect(apiOperations({ paths: {} })).toEqual([]);
    expect(apiOperations('nope')).toEqual([]);
    const many = { openapi: '3.1.0', paths: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`/p${i}`, { get: {} }])) };
    expect(apiOperations(many)).toHaveLength(100);
  });
});

describe('robots.txt and sitemap.xml', () => {
  it('robots: literal Allow/Disallow paths and Sitemap lines', () => {
    expect(parseRobots('User-agent: *\nDisallow: /admin/ # no\nAllow: /pub\nDisallow: /*.pdf$\nDisallow: /tmp*\nDisallow:\nSitemap: https://example.com/sm.xml\n')).toEqual({
      paths: ['/admin/', '/pub', '/tmp'],
      sitemaps: ['https://example.com/sm.xml'],
    });
  });

  it('sitemap: pages of a urlset, sitemaps of an index', () => {
    expect(parseSitemap('<urlset><url><loc>https://example.com/a?x=1&amp;y=2</loc></url><url><loc><![CDATA[/b]]></loc></url></urlset>')).toEqual({ pages: ['https://example.com/a?x=1&y=2', '/b'], sitemaps: [] });
    expect(parseSitemap('<sitemapindex><sitemap><loc>http://h/s1.xml</loc></sitemap></sitemapindex>')).toEqual({ pages: [], sitemaps: ['http://h/s1.xml'] });
  });
});

describe('discovery', () => {
  it('calls every GET/HEAD operation of an OpenAPI document found at /openapi.json, never unsafe ones by default', async () => {
    const seen: string[] = [];
    const p = await listen(apiServer(OAS3, seen));
    const results = await runProbes(ctx([p]), {});
    const api = results.filter((r) => r.kind === 'api');
    expect(api.map((r) => r.target)).toEqual([
      'GET http://:8000/api/items/7?verbose=false',
      'GET http://:8000/api/search?q=ap',
      'GET http://:8000/api/export/sqlite',
      'HEAD http://:8000/api/items',
    ]);
    expect(seen).toContain('GET /api/search?q=ap');
    expect(seen.some((s) => /^(POST|PUT|PATCH|DELETE)/.test(s))).toBe(false);
    expect(results.find((r) => r.target === 'GET http://:8000/openapi.json')).toMatchObject({ kind: 'discover', ok: true, status: 200 });
  });

  it('--http-probe-unsafe calls the unsafe operations, in order, after the safe ones', async () => {
    const seen: string[] = [];
    const p = await listen(apiServer(OAS3, seen));
    await runProbes(ctx([p]), { unsafe: true });
    const calls = seen.filter((s) => s.startsWith('POST') || s.startsWith('DELETE'));
    expect(calls).toEqual(['POST /api/items {"name":"xxx","tags":["2024-01-01"]}', 'DELETE /api/items/7']);
    expect(seen.indexOf(calls[0]!)).toBeGreaterThan(seen.indexOf('HEAD /api/items'));
  });

  it('a Swagger 2 document given as a file (--http-probe-apispec FILE) or a path in the container', async () => {
    const seen: string[] = [];
    const p = await listen(apiServer({}, seen, { '/docs/spec.json': JSON.stringify(SWAGGER2) }));
    await runProbes(ctx([p]), { apiSpecs: [{ kind: 'doc', source: 'spec.json', doc: SWAGGER2 }] });
    expect(seen).toContain('GET /v1/things/00000000-0000-4000-8000-000000000000?n=3');
    const seen2: string[] = [];
    const p2 = await listen(apiServer({}, seen2, { '/docs/spec.json': JSON.stringify(SWAGGER2) }));
    await runProbes(ctx([p2]), { apiSpecs: [{ kind: 'url', path: '/docs/spec.json', port: 8000 }] });
    expect(seen2).toContain('GET /docs/spec.json');
    expect(seen2).toContain('GET /v1/things/00000000-0000-4000-8000-000000000000?n=3');
  });

  it('crawls what robots.txt and sitemap.xml list (nested sitemaps too), within --crawl-max', async () => {
    const seen: string[] = [];
    const extra = {
      '/robots.txt': 'User-agent: *\nDisallow: /pages/private\nSitemap: http://www.example.com/more.xml\n',
      '/sitemap.xml': '<urlset><url><loc>http://www.example.com/pages/a</loc></url></urlset>',
      '/more.xml': '<sitemapindex><sitemap><loc>/nested.xml</loc></sitemap></sitemapindex>',
      '/nested.xml': '<urlset><url><loc>/pages/n</loc></url></urlset>',
    };
    const p = await listen(apiServer({}, seen, extra));
    const results = await runProbes(ctx([p]), {});
    expect(results.filter((r) => r.kind === 'crawl').map((r) => r.target).sort()).toEqual(['GET http://:8000/pages/a', 'GET http://:8000/pages/n', 'GET http://:8000/pages/private']);
    const limited = await runProbes(ctx([await listen(apiServer({}, [], extra))]), { crawlMax: 1 });
    expect(limited.filter((r) => r.kind === 'crawl')).toHaveLength(1);
  });

  it('keeps at most --probe-concurrency requests in flight', async () => {
    const many = { openapi: '3.0.0', paths: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`/items/${i}`, { get: {} }])) };
    for (const concurrency of [1, 3]) {
      const server = apiServer(many, []);
      const p = await listen(server);
      await runProbes(ctx([p]), { concurrency });
      expect((server as unknown as { peak: number }).peak).toBe(concurrency);
    }
  });

  it('verify replays every answered probe (API calls included) and sees a port that stopped speaking HTTP', async () => {
    const seen: string[] = [];
    const p = await listen(apiServer(OAS3, seen));
    const traced = await runProbes(ctx([p]), { unsafe: true });
    seen.length = 0;
    const again = await runProbes(ctx([p]), { replay: traced });
    const answered = traced.filter((r) => r.status !== undefined || r.kind === 'tcp').map((r) => r.target);
    expect(again.map((r) => r.target)).toEqual(answered);
    expect(seen.filter((s) => /^(POST|DELETE)/.test(s))).toEqual(['POST /api/items {"name":"xxx","tags":["2024-01-01"]}', 'DELETE /api/items/7']);

    const run = (probes: ProbeResult[]): RunResult => ({ containerId: 'x', exitCode: 0, exitedByItself: false, killed: false, stdout: '', stderr: '', probes, ports: [], warnings: [], durationMs: 0 });
    expect(compareRuns(run(traced), run(again))).toEqual([]);
    const notHttp = await listen(net.createServer((s) => s.on('data', () => s.write('-ERR\r\n'))));
    const broken = await runProbes(ctx([{ ...notHttp, containerPort: 8000 }]), { replay: traced, requestTimeout: 2 });
    expect(compareRuns(run(traced), run(broken)).find((r) => r.target === 'tcp:8000')?.message).toBe('spoke http, now other');
  });
});
