// Probes against local servers on 127.0.0.1 (no engine needed).
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runProbes, scriptEnv } from '../../src/probe/run.js';
import { sameOriginLinks } from '../../src/probe/links.js';
import { waitForPort } from '../../src/probe/tcp.js';
import type { PortTarget, ProbeContext } from '../../src/probe/types.js';
import { UserError } from '../../src/util/errors.js';

const closers: Array<() => void> = [];
afterEach(() => closers.splice(0).forEach((c) => c()));

async function listen(server: http.Server | https.Server | net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => {
    (server as http.Server).closeAllConnections?.();
    server.close();
  });
  return (server.address() as net.AddressInfo).port;
}

function ctx(ports: PortTarget[], extra: Partial<ProbeContext> = {}): ProbeContext {
  return { ports, exec: async () => ({ exitCode: 0, stdout: '', stderr: '' }), alive: async () => true, ...extra };
}

const site: Record<string, [string, string]> = {
  '/': ['text/html', '<a href="/a.html">a</a> <a href="b.html#x">b</a> <img src="/img.png"> <a href="http://elsewhere.invalid/x">ext</a> <a href="mailto:x@y">m</a>'],
  '/a.html': ['text/html', '<a href="/deep/c.html">c</a><link href="/style.css" rel="stylesheet">'],
  '/b.html': ['text/html', 'no links'],
  '/img.png': ['image/png', 'PNG'],
  '/style.css': ['text/css', 'body{}'],
  '/deep/c.html': ['text/html', '<a href="/too-deep.html">d</a>'],
  '/too-deep.html': ['text/html', 'x'],
};

function siteServer(): http.Server {
  return http.createServer((req, res) => {
    const page = site[req.url ?? ''];
    if (!page) {
      res.writeHead(404).end('nope');
      return;
    }
    res.writeHead(200, { 'content-type': page[0], ...(req.url === '/style.css' ? { 'last-modified': new Date(0).toUTCString() } : {}) }).end(page[1]);
  });
}

describe('sameOriginLinks', () => {
  it('keeps same-origin href/src, resolves relative ones, drops fragments and other schemes', () => {
    const links = sameOriginLinks(site['/']![1], 'http://127.0.0.1:8080/');
    expect(links).toEqual(['http://127.0.0.1:8080/a.html', 'http://127.0.0.1:8080/b.html', 'http://127.0.0.1:8080/img.png']);
  });
});

describe('runProbes', () => {
  it('GETs / and crawls same-origin links to the depth limit', async () => {
    const port = await listen(siteServer());
    const results = await runProbes(ctx([{ containerPort: 80, host: '127.0.0.1', hostPort: port }]), { crawlDepth: 2 });
    const ok = results.filter((r) => r.ok && r.kind !== 'discover').map((r) => r.target);
    expect(ok).toEqual(['tcp:80', 'GET http://:80/', 'GET http://:80/a.html', 'GET http://:80/b.html', 'GET http://:80/img.png', 'GET http://:80/deep/c.html', 'GET http://:80/style.css']);
    expect(results.find((r) => r.target.endsWith('/style.css'))?.static).toBe(true);
    expect(results.find((r) => r.target.endsWith(':80/'))?.bodyHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('stops at --crawl-max pages', async () => {
    const port = await listen(siteServer());
    const results = await runProbes(ctx([{ containerPort: 80, host: '127.0.0.1', hostPort: port }]), { crawlMax: 2 });
    expect(results.filter((r) => r.kind === 'crawl')).toHaveLength(2);
  });

  it('counts a port that does not speak HTTP as probed once it accepts connections', async () => {
    // Like redis: accepts, answers garbage to HTTP, keeps the connection.
    const server = net.createServer((s) => s.on('data', () => s.write('-ERR unknown command\r\n')));
    const port = await listen(server);
    const results = await runProbes(ctx([{ containerPort: 6379, host: '127.0.0.1', hostPort: port }]), { requestTimeout: 2 });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ kind: 'tcp', target: 'tcp:6379', ok: true, protocol: 'other' });
  });

  it('retries a server that drops the first connection', async () => {
    let n = 0;
    const server = http.createServer((req, res) => {
      if (++n <= 1) req.socket.destroy();
      else res.end('<p>ok</p>');
    });
    const port = await listen(server);
    const results = await runProbes(ctx([{ containerPort: 80, host: '127.0.0.1', hostPort: port }]));
    expect(results.find((r) => r.target === 'GET http://:80/')).toMatchObject({ ok: true, status: 200 });
  });

  it('a port that never opens is a UserError naming the port and the wait', async () => {
    const server = net.createServer();
    const port = await listen(server);
    server.close(); // free port, nothing listening
    const err = await runProbes(ctx([{ containerPort: 9999, host: '127.0.0.1', hostPort: port }]), { probeWait: 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/port 9999 did not accept connections within 1 s/);
  });

  it('sends explicit requests, runs exec, health check and a host script', async () => {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c)).on('end', () => {
        seen.push(`${req.method} ${req.url} ${body}`);
        res.writeHead(req.url === '/boom' ? 500 : 201).end('x');
      });
    });
    const port = await listen(server);
    const dir = mkdtempSync(join(tmpdir(), 'slimts-probe-'));
    closers.push(() => rmSync(dir, { recursive: true, force: true }));
    const script = join(dir, 'probe.sh');
    writeFileSync(script, '#!/bin/sh\n[ "$SLIMTS_TARGET_URL" = "http://127.0.0.1:$SLIMTS_TARGET_PORT_80" ] || exit 3\n');
    chmodSync(script, 0o755);
    const execs: string[][] = [];
    const results = await runProbes(
      ctx([{ containerPort: 80, host: '127.0.0.1', hostPort: port }], {
        healthcheck: ['check'],
        exec: async (cmd) => {
          execs.push(cmd);
          return { exitCode: cmd[0] === 'check' ? 1 : 0, stdout: 'out', stderr: 'bad' };
        },
      }),
      { noHttpProbe: true, http: [{ method: 'POST', path: '/api', body: '{"a":1}' }, { method: 'GET', path: '/boom', port: 80 }], exec: ['ls /'], script },
    );
    expect(seen).toEqual(['POST /api {"a":1}', 'GET /boom ']);
    expect(execs).toEqual([['/bin/sh', '-c', 'ls /'], ['check']]);
    const by = Object.fromEntries(results.map((r) => [r.target, r]));
    expect(by['POST http://:80/api']).toMatchObject({ ok: true, status: 201 });
    expect(by['GET http://:80/boom']).toMatchObject({ ok: false, status: 500 });
    expect(by['exec:/bin/sh -c ls /']).toMatchObject({ ok: true, status: 0 });
    expect(by['healthcheck']).toMatchObject({ ok: false, status: 1, error: 'bad' });
    expect(by[`script:${script}`]).toMatchObject({ ok: true, status: 0 });
  });

  it('falls back to https with a self-signed certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slimts-probe-'));
    closers.push(() => rmSync(dir, { recursive: true, force: true }));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=slimts-test', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
    const server = https.createServer({ key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) }, (req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end(req.url === '/' ? '<a href="/x">x</a>' : 'x');
    });
    const port = await listen(server);
    const results = await runProbes(ctx([{ containerPort: 443, host: '127.0.0.1', hostPort: port }]));
    expect(results.filter((r) => r.ok && r.kind !== 'discover').map((r) => r.target)).toEqual(['tcp:443', 'GET https://:443/', 'GET https://:443/x']);
    expect(results[0]).toMatchObject({ protocol: 'https' });
  });

  it('replays recorded requests instead of discovering', async () => {
    const port = await listen(siteServer());
    const target = { containerPort: 80, host: '127.0.0.1', hostPort: port };
    const first = await runProbes(ctx([target]));
    const again = await runProbes(ctx([target]), { replay: first, crawlMax: 0 });
    expect(again.map((r) => [r.target, r.status, r.bodyHash])).toEqual(first.map((r) => [r.target, r.status, r.bodyHash]));
  });
});

describe('waitForPort', () => {
  it('waits for a port that opens late, and sees a closed one as not open', async () => {
    const server = net.createServer((s) => s.on('error', () => {}));
    const port = await listen(server);
    server.close();
    await new Promise((r) => server.once('close', r));
    setTimeout(() => server.listen(port, '127.0.0.1'), 700);
    const t0 = Date.now();
    expect(await waitForPort({ host: '127.0.0.1', hostPort: port }, { timeoutMs: 10_000 })).toBe('open');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(600);
  });

  it('treats a connection dropped at once (an engine proxy with no backend) as not open', async () => {
    const server = net.createServer((s) => s.destroy());
    const port = await listen(server);
    expect(await waitForPort({ host: '127.0.0.1', hostPort: port }, { timeoutMs: 1000 })).toBe('timeout');
  });

  it('returns gone when the target died', async () => {
    expect(await waitForPort({ host: '127.0.0.1', hostPort: 1 }, { timeoutMs: 10_000, alive: async () => false })).toBe('gone');
  });
});

describe('probe script', () => {
  it('gives a probe script the target env', () => {
    expect(scriptEnv([{ containerPort: 80, host: '127.0.0.1', hostPort: 32768 }, { containerPort: 443, host: '127.0.0.1', hostPort: 32769 }])).toEqual({
      SLIMTS_TARGET_HOST: '127.0.0.1',
      SLIMTS_TARGET_PORT_80: '32768',
      SLIMTS_TARGET_PORT_443: '32769',
      SLIMTS_TARGET_URL: 'http://127.0.0.1:32768',
    });
  });
});
