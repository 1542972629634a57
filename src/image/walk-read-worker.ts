// The worker thread behind the engine walk's synchronous reads (walk-sync-read.ts starts it
// from its compiled file). It holds a walker of its own — `slimts-walk serve`, an exec in the
// walk container — sends it read requests, and posts each answer, raising the shared Atomics
// word the blocked caller waits on. Reads asked ahead (prefetch) are pipelined: answers come
// in request order, whoever asked.
import type { Duplex } from 'node:stream';
import { workerData, type MessagePort } from 'node:worker_threads';
import { startExecStream, type EngineEndpoint } from '../engine/exec-stream.js';
import { ByteQueue, Demux, readRequest } from './walk-format.js';

/** What the worker is started with. */
export interface ReadWorkerData {
  port: MessagePort;
  /** The word the caller waits on: 1 when an answer was posted. */
  flag: Int32Array;
  container: string;
  /** The walker's path inside the container. */
  walker: string;
  /** The engine's own socket; none over ssh (then dockerode is loaded here after all). */
  endpoint?: EngineEndpoint;
}

/** One read, or reads asked ahead. */
export type ReadAsk = { path: string; offset: number; length: number } | { prefetch: Array<{ path: string; offset: number; length: number }> };

/** An answer: the bytes, the errno of a failed read, the worker's failure, or that it is ready. */
export interface ReadAnswer {
  data?: Uint8Array;
  errno?: number;
  error?: string;
  ready?: boolean;
}

const { port, flag, container, walker, endpoint } = workerData as ReadWorkerData;

function answer(msg: ReadAnswer): void {
  port.postMessage(msg);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

const messageOf = (e: unknown) => String((e as Error)?.message ?? e);

/** The walker's stdio: over the engine's socket, else (ssh) through dockerode. */
async function startServe(): Promise<{ sock: Duplex; rest: Buffer }> {
  const cmd = [walker, 'serve'];
  if (endpoint) return startExecStream(endpoint, container, cmd);
  // loaded only here: a second dockerode in this thread would double its memory
  const { docker } = await import('../engine/docker.js');
  const exec = await docker().getContainer(container).exec({ Cmd: cmd, User: '0:0', AttachStdin: true, AttachStdout: true, AttachStderr: true });
  return { sock: await exec.start({ hijack: true, stdin: true }), rest: Buffer.alloc(0) };
}

async function serve(): Promise<void> {
  const { sock, rest } = await startServe();
  const q = new ByteQueue();
  const demux = new Demux((b) => q.push(b));
  if (rest.length) demux.push(rest);
  let wake = () => {};
  let ended = false;
  sock.on('data', (c: Buffer) => { demux.push(c); wake(); });
  sock.on('end', () => { ended = true; wake(); });
  sock.on('error', () => { ended = true; wake(); });
  sock.resume();
  const need = async (n: number) => {
    while (q.length < n) {
      if (ended) throw new Error(`the engine reader stopped answering${demux.stderr ? `: ${demux.stderr.trim().split('\n')[0]}` : ''}`);
      await new Promise<void>((r) => (wake = r));
    }
  };
  // answers arrive in request order: one queue of takers, whoever asked (prefetch or a read)
  let chain: Promise<unknown> = Promise.resolve();
  const fetch = (path: string, offset: number, length: number): Promise<ReadAnswer> => {
    sock.write(readRequest(path, offset, length));
    const p = chain.then(async (): Promise<ReadAnswer> => {
      await need(8);
      const n = Number(q.take(8).readBigInt64LE(0));
      if (n < 0) return { errno: -n };
      await need(n);
      return { data: Buffer.from(q.take(n)) };
    });
    chain = p.then(() => undefined, () => undefined);
    return p;
  };
  const keyOf = (r: { path: string; offset: number; length: number }) => `${r.offset}:${r.length}:${r.path}`;
  const early = new Map<string, Promise<ReadAnswer>>();
  port.on('message', async (m: ReadAsk) => {
    if ('prefetch' in m) {
      for (const r of m.prefetch) if (!early.has(keyOf(r))) early.set(keyOf(r), fetch(r.path, r.offset, r.length));
      return;
    }
    try {
      const got = early.get(keyOf(m));
      early.delete(keyOf(m));
      answer(await (got ?? fetch(m.path, m.offset, m.length)));
    } catch (e) {
      answer({ error: messageOf(e) });
    }
  });
  answer({ ready: true });
}

serve().catch((e: unknown) => answer({ error: messageOf(e) }));
