// The engine walk's synchronous reads: facts (ELF headers, scripts, an ELF file's strings) read
// files in the middle of synchronous code, so a read blocks on an Atomics word while a worker
// thread (walk-read-worker.ts) holding its own walker answers it — not on the event loop. The
// worker writes every answer to a spill file; what landed there is read back with pread, so a
// range is asked of the engine once, and reads asked ahead (fetch) wait on disk, not in memory.
import { closeSync, openSync, readSync } from 'node:fs';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { EngineEndpoint } from '../engine/exec-stream.js';
import { compiledModule } from '../util/compiled.js';
import { keyOf, type Landed, type ReadAnswer, type ReadAsk, type ReadRequest, type ReadWorkerData } from './walk-read-worker.js';

const READ_TIMEOUT_MS = 120_000;

/** What the reads cost (the batching's unit tests and benchmarks read it). */
export interface ReadStats {
  /** Batches asked ahead. */
  batches: number;
  /** Reads waited for that were not asked ahead: each cost a round trip to the engine of its own. */
  roundTrips: number;
  /** Times the caller blocked on the worker (a round trip, or only a hop to the worker). */
  waits: number;
  /** Bytes that landed in the spill or came inline: what left the engine for these reads. */
  bytes: number;
  /** Milliseconds the caller was blocked. */
  waitMs: number;
}

/** A range of a file as it lies in the spill file. */
interface Spilled {
  offset: number;
  n: number;
  at: number;
}

/** Reads answered by a worker thread that holds its own walker (an exec in the walk container). */
export class SyncReader {
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private readonly port: MessagePort;
  private readonly worker: Worker;
  private readonly fd: number;
  private ready = false;
  private failed?: Error;
  /** Ranges of each file that landed in the spill. */
  private readonly spilled = new Map<string, Spilled[]>();
  private readonly errnos = new Map<string, number>();
  /** Keys asked ahead (answers still coming, or landed). */
  private readonly asked = new Set<string>();
  readonly stats: ReadStats = { batches: 0, roundTrips: 0, waits: 0, bytes: 0, waitMs: 0 };

  constructor(containerId: string, walker: string, endpoint: EngineEndpoint | undefined, readonly spill: string, spillLimit: number) {
    this.fd = openSync(spill, 'w+');
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    // the worker writes the spill through this descriptor (a process's own), this thread reads it
    const workerData: ReadWorkerData = { port: port2, flag: this.flag, container: containerId, walker, endpoint, spillFd: this.fd, spillLimit };
    // the worker's own compiled file (dist/ when this runs from the sources)
    this.worker = new Worker(new URL(compiledModule('image/walk-read-worker.js')), {
      workerData,
      transferList: [port2],
      // it holds little but answers in flight: a small young generation keeps its memory small
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    this.worker.unref();
    // a worker that fails to start answers the next read with its error
    this.worker.on('error', (e) => {
      port2.close();
      this.failed = e;
      Atomics.store(this.flag, 0, 1);
      Atomics.notify(this.flag, 0);
    });
  }

  private wait(): ReadAnswer {
    const deadline = Date.now() + READ_TIMEOUT_MS;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0 || Atomics.wait(this.flag, 0, 0, left) === 'timed-out') throw new Error('the engine reader did not answer in time');
      Atomics.store(this.flag, 0, 0);
      if (this.failed) throw new Error(`the engine reader failed: ${this.failed.message}`);
      // the flag can be seen before the message it announces is queued here: poll for it
      let m: ReadAnswer | undefined;
      while (!(m = receiveMessageOnPort(this.port)?.message as typeof m) && Date.now() < deadline) Atomics.wait(this.flag, 0, 0, 1);
      if (!m) continue;
      Atomics.store(this.flag, 0, 0);
      if (m.error) throw new Error(m.error);
      return m;
    }
  }

  private record(landed: readonly Landed[]): void {
    for (const [key, at, n] of landed) {
      const a = key.indexOf(':');
      const b = key.indexOf(':', a + 1);
      const path = key.slice(b + 1);
      if (n < 0) {
        this.errnos.set(key, -n);
        continue;
      }
      this.stats.bytes += n;
      const list = this.spilled.get(path) ?? [];
      list.push({ offset: Number(key.slice(0, a)), n, at });
      this.spilled.set(path, list);
    }
  }

  /** The bytes [offset, offset + length) of `path` when a landed range holds them all. */
  landed(path: string, offset: number, length: number): Buffer | undefined {
    for (const s of this.spilled.get(path) ?? []) {
      if (offset < s.offset || offset + length > s.offset + s.n) continue;
      const out = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const r = readSync(this.fd, out, got, length - got, s.at + offset - s.offset + got);
        if (r <= 0) throw new Error(`${path}: the spill file ended early`);
        got += r;
      }
      return out;
    }
    return undefined;
  }

  /** Where the whole of a file of `size` bytes lies in the spill, when it landed whole. */
  whole(path: string, size: number): { at: number; n: number } | undefined {
    return this.spilled.get(path)?.find((s) => s.offset === 0 && s.n === size);
  }

  /** Whether this range was asked ahead or landed (it is not asked again). */
  has(r: ReadRequest): boolean {
    return this.asked.has(keyOf(r));
  }

  /** The bytes of one read, waiting for them (they cost no round trip when asked ahead). */
  read(path: string, offset: number, length: number): Buffer {
    const r = { path, offset, length };
    const key = keyOf(r);
    const errno = this.errnos.get(key);
    if (errno) throw new Error(`${path}: cannot read in the image (errno ${errno})`);
    const hit = this.landed(path, offset, length);
    if (hit) return hit;
    if (!this.ready) {
      this.wait();
      this.ready = true;
    }
    const t0 = performance.now();
    this.port.postMessage({ want: r } satisfies ReadAsk);
    const m = this.wait();
    this.stats.waitMs += performance.now() - t0;
    this.stats.waits++;
    if (m.fresh) this.stats.roundTrips++;
    this.record(m.landed ?? []);
    if (m.data) {
      this.stats.bytes += m.data.byteLength;
      return Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
    }
    this.asked.add(key);
    const e = this.errnos.get(key);
    if (e) throw new Error(`${path}: cannot read in the image (errno ${e})`);
    const got = this.landed(path, offset, length);
    if (!got) throw new Error(`${path}: the engine reader lost a read`);
    return got;
  }

  /** Asks for these reads ahead, pipelined, in one batch; read() of the same range then waits for them. */
  fetch(reqs: readonly ReadRequest[]): void {
    const fresh = reqs.filter((r) => !this.asked.has(keyOf(r)));
    if (!fresh.length) return;
    for (const r of fresh) this.asked.add(keyOf(r));
    this.stats.batches++;
    this.port.postMessage({ fetch: fresh } satisfies ReadAsk);
  }

  async close(): Promise<number> {
    this.port.close();
    try {
      return await this.worker.terminate();
    } finally {
      try {
        closeSync(this.fd);
      } catch {
        // closed already
      }
    }
  }
}
