// The worker thread behind the engine walk's synchronous reads (walk-sync-read.ts starts it
// from its compiled file). It holds a walker of its own — `slimts-walk serve`, an exec in the
// walk container — and sends it read requests, pipelined: answers come in request order,
// whoever asked. Every answer is written, as it streams in, to the spill file (a temp file the
// caller reads back with pread), so what was read once is never asked of the engine again and
// reads asked ahead cost no memory. Past the spill's bound, a read is answered in its message.
import { writeSync } from 'node:fs';
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
  /** The spill file, open for reading and writing (the caller closes it), and how many bytes it may hold. */
  spillFd: number;
  spillLimit: number;
}

/** A range of a file in the image. */
export interface ReadRequest {
  path: string;
  offset: number;
  length: number;
}

/** Reads asked ahead (no answer), or the one read the caller waits for. */
export type ReadAsk = { fetch: ReadRequest[] } | { want: ReadRequest };

/**
 * Where an answer landed: its key (`keyOf`), its place in the spill file and its length, or
 * (`n` < 0) the errno of a failed read.
 */
export type Landed = [key: string, at: number, n: number];

/**
 * An answer: what landed in the spill since the last answer (the read waited for among them),
 * the bytes of a read the spill had no room for, the worker's failure, or that it is ready.
 */
export interface ReadAnswer {
  landed?: Landed[];
  data?: Uint8Array;
  /** The read waited for was not asked ahead: it cost a round trip of its own. */
  fresh?: boolean;
  error?: string;
  ready?: boolean;
}

export const keyOf = (r: ReadRequest): string => `${r.offset}:${r.length}:${r.path}`;

/** Bytes the worker buffers from the walker before it stops reading the socket. */
const HIGH_WATER = 8 << 20;

function serveWorker(): void {
  const { port, flag, container, walker, endpoint, spillFd: fd, spillLimit } = workerData as ReadWorkerData;

  const answer = (msg: ReadAnswer): void => {
    port.postMessage(msg);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  };
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
    let spilled = 0;
    const q = new ByteQueue();
    const demux = new Demux((b) => q.push(b));
    if (rest.length) demux.push(rest);
    let wake = () => {};
    let ended = false;
    sock.on('data', (c: Buffer) => {
      demux.push(c);
      if (q.length > HIGH_WATER) sock.pause();
      wake();
    });
    sock.on('end', () => { ended = true; wake(); });
    sock.on('error', () => { ended = true; wake(); });
    sock.resume();
    const need = async (n: number) => {
      while (q.length < n) {
        if (ended) throw new Error(`the engine reader stopped answering${demux.stderr ? `: ${demux.stderr.trim().split('\n')[0]}` : ''}`);
        sock.resume();
        await new Promise<void>((r) => (wake = r));
      }
    };
    const take = (n: number): Buffer => {
      const b = q.take(n);
      if (q.length < HIGH_WATER / 2) sock.resume();
      return b;
    };

    /** Landed since the last answer. */
    let news: Landed[] = [];
    /** Reads asked, by key: where they landed (or their inline bytes), once they have. */
    const asked = new Map<string, Promise<{ landed: Landed; data?: Buffer }>>();
    let chain: Promise<unknown> = Promise.resolve();
    /** A read that failed half-way leaves the stream out of step: every read after it fails too. */
    let broken: Error | undefined;

    // answers arrive in request order: one queue of takers, whoever asked
    const fetch = (r: ReadRequest, inline: boolean): Promise<{ landed: Landed; data?: Buffer }> => {
      const key = keyOf(r);
      sock.write(readRequest(r.path, r.offset, r.length));
      const p = chain.then(async () => {
        if (broken) throw broken;
        await need(8);
        const n = Number(take(8).readBigInt64LE(0));
        if (n < 0) return { landed: [key, 0, n] as Landed };
        if (inline) {
          await need(n);
          return { landed: [key, -1, n] as Landed, data: Buffer.from(take(n)) };
        }
        const at = spilled;
        spilled += n;
        for (let left = n, pos = at; left > 0; ) {
          await need(1);
          const b = take(Math.min(left, q.length));
          writeSync(fd, b, 0, b.length, pos);
          left -= b.length;
          pos += b.length;
        }
        return { landed: [key, at, n] as Landed };
      });
      chain = p.then(() => undefined, (e: unknown) => { broken ??= e instanceof Error ? e : new Error(String(e)); });
      // what landed in the spill is told with the next answer
      p.then((x) => { if (!x.data) news.push(x.landed); }, () => undefined);
      asked.set(key, p);
      return p;
    };
    const room = (r: ReadRequest) => spilled + r.length <= spillLimit;

    port.on('message', async (m: ReadAsk) => {
      if ('fetch' in m) {
        // past the spill's bound, nothing more is fetched ahead: it would wait in memory
        for (const r of m.fetch) if (!asked.has(keyOf(r)) && room(r)) fetch(r, false);
        return;
      }
      try {
        const key = keyOf(m.want);
        const ahead = asked.get(key);
        const got = await (ahead ?? fetch(m.want, !room(m.want)));
        // an inline answer is not kept: asked again, it is read again
        if (got.data) asked.delete(key);
        // (what landed is pushed to `news` before this await resumes: the read waited for is in it)
        const landed = news;
        news = [];
        answer({ landed, ...(got.data ? { data: got.data } : {}), ...(ahead ? {} : { fresh: true }) });
      } catch (e) {
        answer({ error: messageOf(e) });
      }
    });
    answer({ ready: true });
  }

  serve().catch((e: unknown) => answer({ error: messageOf(e) }));
}

// the module is imported for its types too: only a worker started with its data serves
if (workerData && typeof (workerData as ReadWorkerData).spillFd === 'number') serveWorker();
