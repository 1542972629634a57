// A forwarder in front of the engine's unix socket, in its own process (a build blocks its
// event loop on synchronous reads that go through it, and tests run the CLI synchronously):
// - on a TCP address, it is this machine's engine reached as a remote one (DOCKER_HOST=tcp://…);
// - it counts the bytes the engine sends back, and notes the name of every container created
//   through it, so a test can check that none is left.
import { spawn } from 'node:child_process';

const PROXY = `
const { createConnection, createServer } = require('node:net');
const [upstream, listen] = process.argv.slice(1);
let bytes = 0;
const names = new Set();
createServer((client) => {
  const engine = createConnection(upstream);
  // request lines may be cut between chunks: the tail of the previous one is kept
  let tail = '';
  client.on('data', (b) => {
    const text = tail + b.toString('latin1');
    for (const m of text.matchAll(/POST \\/(?:v[\\d.]+\\/)?containers\\/create\\?(?:[^ ]*&)?name=([\\w.-]+)/g)) names.add(m[1]);
    tail = text.slice(-4096);
  });
  engine.on('data', (b) => { bytes += b.length; });
  client.pipe(engine);
  engine.pipe(client);
  client.on('error', () => engine.destroy());
  engine.on('error', () => client.destroy());
}).listen(...(listen.startsWith('/') ? [listen] : [Number(listen.split(':')[1]), listen.split(':')[0]]), function () {
  const a = this.address();
  process.stdout.write(JSON.stringify(typeof a === 'string' ? { path: a } : { host: a.address, port: a.port }) + '\\n');
});
process.stdin.on('data', () => process.stdout.write(JSON.stringify({ bytes, names: [...names] }) + '\\n'));
process.stdin.on('end', () => process.exit(0));
`;

/** The engine's unix socket path, from DOCKER_HOST or the default. */
export function engineSocket() {
  const h = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  if (!h.startsWith('unix://')) throw new Error(`the engine proxy needs a unix DOCKER_HOST, not ${h}`);
  return h.slice('unix://'.length);
}

/**
 * Starts the proxy. `listen`: a unix socket path, or "HOST:PORT" (port 0: any free one).
 * Returns the DOCKER_HOST that reaches the engine through it.
 */
export async function startEngineProxy(listen, upstream = engineSocket()) {
  const child = spawn(process.execPath, ['-e', PROXY, upstream, listen], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = [];
  let waiter;
  child.stdout.on('data', (b) => { lines.push(...b.toString().split('\n').filter(Boolean)); waiter?.(); });
  const exited = new Promise((r) => child.on('exit', r));
  const next = async () => {
    while (!lines.length) {
      if (child.exitCode !== null) throw new Error('the engine proxy ended');
      await Promise.race([new Promise((r) => (waiter = r)), exited]);
    }
    return JSON.parse(lines.shift());
  };
  const at = await next();
  return {
    host: at.path ? `unix://${at.path}` : `tcp://${at.host}:${at.port}`,
    /** Bytes sent back by the engine so far, and the names of the containers created. */
    stats: async () => { child.stdin.write('\n'); return next(); },
    count: async () => { child.stdin.write('\n'); return (await next()).bytes; },
    close: () => { child.stdin.end(); return exited; },
  };
}
