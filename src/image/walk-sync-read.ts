// The engine walk's synchronous reads: facts (ELF headers, scripts) read files in the middle
// of synchronous code, so a read blocks on an Atomics word while a worker thread
// (walk-read-worker.ts) holding its own walker answers it — not on the event loop.
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { EngineEndpoint } from '../engine/exec-stream.js';
import { compiledModule } from '../util/compiled.js';
import type { ReadAnswer, ReadAsk, ReadWorkerData } from './walk-read-worker.js';

const READ_TIMEOUT_MS = 120_000;

/** Reads answered by a worker thread that holds its own walker (an exec in the walk container). */
export class SyncReader {
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private readonly port: MessagePort;
  private readonly worker: Worker;
  private ready = false;
  private failed?: Error;

  constructor(containerId: string, walker: string, endpoint: EngineEndpoint | undefined) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const workerData: ReadWorkerData = { port: port2, flag: this.flag, container: containerId, walker, endpoint };
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

  read(path: string, offset: number, length: number): Buffer {
    if (!this.ready) {
      this.wait();
      this.ready = true;
    }
    this.port.postMessage({ path, offset, length } satisfies ReadAsk);
    const m = this.wait();
    if (m.errno) throw new Error(`${path}: cannot read in the image (errno ${m.errno})`);
    return Buffer.from(m.data!.buffer, m.data!.byteOffset, m.data!.byteLength);
  }

  /** Asks for these reads ahead, pipelined; read() of the same range then waits for them. */
  prefetch(reqs: Array<{ path: string; offset: number; length: number }>): void {
    if (reqs.length) this.port.postMessage({ prefetch: reqs } satisfies ReadAsk);
  }

  close(): Promise<number> {
    this.port.close();
    return this.worker.terminate();
  }
}

