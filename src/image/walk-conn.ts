// The walker's stdout as read by the main thread: the attach stream of the walk container,
// demultiplexed, read in exactly-sized pieces. The stream is paused while enough is buffered
// (the engine then waits: nothing piles up here).
import type { Duplex } from 'node:stream';
import { ByteQueue, Demux } from './walk-format.js';

/** Exactly-sized pieces of the walker's stdout from an attach or exec stream. */
export class WalkerConn {
  private readonly q = new ByteQueue();
  private readonly demux: Demux;
  private waiter?: () => void;
  private ended = false;
  private error?: Error;

  constructor(readonly stream: Duplex) {
    this.demux = new Demux((b) => this.q.push(b));
    stream.on('data', (c: Buffer) => {
      this.demux.push(c);
      if (this.q.length > 4 << 20) stream.pause();
      this.wake();
    });
    stream.on('end', () => { this.ended = true; this.wake(); });
    stream.on('close', () => { this.ended = true; this.wake(); });
    stream.on('error', (e) => { this.error = e; this.wake(); });
  }

  get stderr(): string {
    return this.demux.stderr;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** Waits until at least `n` bytes are buffered (or the stream ended). */
  async need(n: number): Promise<boolean> {
    while (this.q.length < n) {
      if (this.error) throw this.error;
      if (this.ended) return false;
      this.stream.resume();
      await new Promise<void>((r) => (this.waiter = r));
    }
    return true;
  }

  get queue(): ByteQueue {
    return this.q;
  }

  async take(n: number): Promise<Buffer> {
    if (!(await this.need(n))) throw new Error(`the engine walker stopped answering${this.stderr ? `: ${this.stderr.trim().split('\n')[0]}` : ''}`);
    const b = this.q.take(n);
    if (this.q.length < 1 << 20) this.stream.resume();
    return b;
  }

  send(b: Buffer): void {
    this.stream.write(b);
  }
}

