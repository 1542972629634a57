// The engine client for threads that do not hold dockerode: an exec started over the engine's
// own socket (unix, TCP or TLS), its hijacked stream returned. The image reader's worker thread
// uses it: a second dockerode there would double the thread's memory. The endpoint is the main
// thread's dockerode endpoint, so both reach the same engine the same way; an engine reached
// over ssh has no such endpoint, and the worker loads dockerode after all.
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type Docker from 'dockerode';

export type EngineEndpoint =
  | { socketPath: string }
  | { host: string; port: number; tls?: { ca?: unknown; cert?: unknown; key?: unknown } };

/** The endpoint dockerode uses, when this module can speak it (not ssh). */
export async function engineEndpointOf(d: Docker): Promise<EngineEndpoint | undefined> {
  const m = d.modem as unknown as {
    socketPath?: unknown; getSocketPath(): Promise<string>; protocol?: string; host?: string; port?: string | number; ca?: unknown; cert?: unknown; key?: unknown;
  };
  if (m.socketPath) return { socketPath: await m.getSocketPath() };
  if ((m.protocol === 'http' || m.protocol === 'https') && m.host) {
    const port = Number(m.port ?? (m.protocol === 'https' ? 2376 : 2375));
    return m.protocol === 'https' ? { host: m.host, port, tls: { ca: m.ca, cert: m.cert, key: m.key } } : { host: m.host, port };
  }
  return undefined;
}

interface Reply {
  status: number;
  head: string;
  sock: Socket;
  /** What came after the head: a body's start, or an upgraded stream's first bytes. */
  rest: Buffer;
}

const MAX_HEAD = 64 << 10;
const MAX_BODY = 1 << 20;

function dial(ep: EngineEndpoint): Socket {
  if ('socketPath' in ep) return netConnect(ep.socketPath);
  // no SNI for an address (Node warns on IP servernames)
  if (ep.tls) return tlsConnect({ host: ep.host, port: ep.port, ...(isIP(ep.host) ? {} : { servername: ep.host }), ...(ep.tls as object) });
  return netConnect({ host: ep.host, port: ep.port });
}

/** One request on a connection of its own; resolves once the reply's head is in. */
function call(ep: EngineEndpoint, method: string, path: string, body: unknown, upgrade = false): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const sock = dial(ep);
    const payload = Buffer.from(JSON.stringify(body));
    let got = Buffer.alloc(0);
    const onData = (c: Buffer) => {
      got = Buffer.concat([got, c]);
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) {
        if (got.length > MAX_HEAD) sock.destroy(new Error('the engine sent an oversized reply head'));
        return;
      }
      sock.off('data', onData);
      sock.off('error', reject);
      sock.pause();
      const head = got.subarray(0, end).toString('latin1');
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0), head, sock, rest: got.subarray(end + 4) });
    };
    sock.on('data', onData);
    sock.once('error', reject);
    sock.write(
      `${method} ${path} HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: ${payload.length}\r\n` +
        `${upgrade ? 'Connection: Upgrade\r\nUpgrade: tcp\r\n' : 'Connection: close\r\n'}\r\n`,
    );
    sock.write(payload);
  });
}

/** A reply's body (bounded), de-chunked. */
async function bodyOf(r: Reply): Promise<string> {
  const parts = [r.rest];
  let size = r.rest.length;
  for await (const c of r.sock as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) throw new Error('the engine sent an oversized reply');
    parts.push(c);
  }
  let b = Buffer.concat(parts);
  if (/^transfer-encoding:\s*chunked/im.test(r.head)) {
    const out: Buffer[] = [];
    for (let at = 0; ; ) {
      const eol = b.indexOf('\r\n', at);
      const n = eol < 0 ? 0 : parseInt(b.subarray(at, eol).toString('latin1'), 16);
      if (!(n > 0)) break;
      out.push(b.subarray(eol + 2, eol + 2 + n));
      at = eol + 2 + n + 2;
    }
    b = Buffer.concat(out);
  }
  return b.toString('utf8');
}

/**
 * Creates an exec of `cmd` as root in `container` with stdin, stdout and stderr attached, and
 * starts it; returns the hijacked stream (multiplexed as the engine sends it), paused until the
 * caller listens and resumes it, and the bytes of it that came with the reply's head.
 */
export async function startExecStream(ep: EngineEndpoint, container: string, cmd: string[]): Promise<{ sock: Socket; rest: Buffer }> {
  const created = await call(ep, 'POST', `/containers/${encodeURIComponent(container)}/exec`, {
    Cmd: cmd, User: '0:0', AttachStdin: true, AttachStdout: true, AttachStderr: true,
  });
  const text = await bodyOf(created);
  if (created.status !== 201 && created.status !== 200) throw new Error(`the engine refused the exec (${created.status}): ${text.trim().slice(0, 200)}`);
  const started = await call(ep, 'POST', `/exec/${(JSON.parse(text) as { Id: string }).Id}/start`, { Detach: false, Tty: false }, true);
  if (started.status !== 101 && started.status !== 200) {
    started.sock.destroy();
    throw new Error(`the engine did not start the exec (${started.status})`);
  }
  return { sock: started.sock, rest: started.rest };
}
