// The default probes find an app's surface: a non-HTTP port is recognised at once (redis), and
// an API whose routes only its OpenAPI document lists is called route by route (fastapi), so a
// route that imports a module on first call still answers on the slim image.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSample, sameAnswers, serve, slim, type Slimmed } from './e2e.js';

describe('slimts build on an API listed only in its OpenAPI document (fastapi)', () => {
  let image: string;
  let s: Slimmed;
  beforeAll(() => {
    image = buildSample('fastapi');
    s = slim(image);
  });
  afterAll(() => s?.cleanup());

  it('finds /openapi.json and calls every GET operation with filled parameters, never the POST', () => {
    expect(s.status, s.stderr + s.stdout).toBe(0);
    const probes = s.report!.probes;
    expect(probes.find((p) => p.kind === 'tcp')).toMatchObject({ protocol: 'http' });
    expect(probes.find((p) => p.target === 'GET http://:8000/openapi.json')).toMatchObject({ kind: 'discover', status: 200 });
    const api = probes.filter((p) => p.kind === 'api').map((p) => [p.target, p.status]);
    expect(api).toEqual([
      ['GET http://:8000/items/1?verbose=false', 200],
      ['GET http://:8000/search?q=ap&limit=10', 200],
      ['GET http://:8000/export/sqlite', 200],
    ]);
    expect(probes.some((p) => p.request?.kind === 'http' && p.request.method !== 'GET' && p.request.method !== 'HEAD')).toBe(false);
  });

  it('verify replayed every answered probe, the API calls included', () => {
    expect(s.report!.verify.ok, s.report!.verify.notes.join('\n')).toBe(true);
    const answered = s.report!.probes.filter((p) => p.status !== undefined).map((p) => p.target);
    const replayed = new Set(s.report!.verify.probes!.map((p) => p.target));
    expect(answered.filter((t) => !replayed.has(t))).toEqual([]);
  });

  it('the lazily importing route answers on the slim image as on the original, also with other arguments', async () => {
    const { results, slimLogs } = await sameAnswers(image, s.tag, 8000, ['/export/sqlite', '/items/2?verbose=true', '/search?q=pe', '/openapi.json']);
    for (const r of results) {
      expect(r.b.status, r.path).toBe(r.a.status);
      expect(r.b.body, r.path).toBe(r.a.body);
    }
    expect(results[0]!.b.body).toContain('"backend":"sqlite3"');
    expect(slimLogs).not.toMatch(/Traceback|ModuleNotFoundError|ImportError/);
  });
});

/** Where the RESP value starting at `i` ends, or -1 when more bytes are needed. */
function respEnd(b: string, i = 0): number {
  const eol = b.indexOf('\r\n', i);
  if (eol < 0) return -1;
  const n = Number(b.slice(i + 1, eol));
  if (b[i] === '$') return n < 0 ? eol + 2 : b.length >= eol + 2 + n + 2 ? eol + 2 + n + 2 : -1;
  if (b[i] === '*') {
    let at = eol + 2;
    for (let k = 0; k < n; k++) {
      at = respEnd(b, at);
      if (at < 0) return -1;
    }
    return at;
  }
  return eol + 2;
}

/**
 * Sends RESP commands one at a time on one connection; returns each raw reply. A connection the
 * engine's port proxy drops (the server is not listening yet) or a reply that never comes fails.
 */
async function redis(port: number, commands: string[][]): Promise<string[]> {
  const sock = net.connect({ host: '127.0.0.1', port });
  sock.setTimeout(5000, () => sock.destroy(new Error('no reply in 5 s')));
  await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
  const replies: string[] = [];
  try {
    for (const cmd of commands) {
      const reply = new Promise<string>((resolve, reject) => {
        let buf = '';
        const onData = (d: Buffer) => {
          buf += d.toString();
          if (respEnd(buf) === buf.length) {
            sock.off('data', onData);
            resolve(buf);
          }
        };
        sock.on('data', onData);
        sock.once('error', reject);
        sock.once('close', () => reject(new Error('connection closed')));
      });
      sock.write(`*${cmd.length}\r\n${cmd.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
      replies.push(await reply);
    }
    return replies;
  } finally {
    sock.destroy();
  }
}

async function redisWhenUp(port: number, commands: string[][]): Promise<string[]> {
  const until = Date.now() + 30_000;
  for (;;) {
    try {
      const [pong] = await redis(port, [['PING']]);
      if (pong === '+PONG\r\n') return await redis(port, commands);
    } catch (err) {
      if (Date.now() > until) throw err;
    }
    if (Date.now() > until) throw new Error(`redis on ${port} never answered PING`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('slimts build on a key-value server (redis: a port that does not speak HTTP)', () => {
  let image: string;
  let s: Slimmed;
  beforeAll(() => {
    image = buildSample('redis');
    s = slim(image);
  });
  afterAll(() => s?.cleanup());

  it('the port is recognised as not HTTP, with every attempt timed, and no HTTP probe is sent', () => {
    expect(s.status, s.stderr + s.stdout).toBe(0);
    const probes = s.report!.probes;
    expect(probes.map((p) => p.kind)).toEqual(['tcp']);
    const tcp = probes[0]!;
    expect(tcp).toMatchObject({ target: 'tcp:6379', ok: true, protocol: 'other' });
    expect(tcp.attempts!.map((a) => a.step)).toEqual(['wait', 'banner', 'http']);
    expect(tcp.attempts![2]!.detail).toMatch(/^-ERR/);
    expect(s.report!.verify.ok).toBe(true);
    expect(s.report!.verify.probes![0]).toMatchObject({ target: 'tcp:6379', protocol: 'other' });
  });

  it('the slim server answers commands the probes never sent, like the original', async () => {
    const cmds = [['SET', 'k', 'v1'], ['GET', 'k'], ['INCRBY', 'n', '41'], ['INCR', 'n'], ['LPUSH', 'l', 'a', 'b'], ['LRANGE', 'l', '0', '-1'], ['DBSIZE'], ['GET', 'missing']];
    const answers: string[][] = [];
    for (const ref of [image, s.tag]) {
      const srv = serve(ref, 6379);
      try {
        answers.push(await redisWhenUp(await srv.hostPort(), cmds));
      } finally {
        srv.stop();
      }
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[0]!.slice(0, 4)).toEqual(['+OK\r\n', '$2\r\nv1\r\n', ':41\r\n', ':42\r\n']);
  });
});
