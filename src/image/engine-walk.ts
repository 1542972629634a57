// The engine-side reader: the files of an engine image read where they are. A container of
// the image is created (never the traced one: its files are the app's to change) with our
// static walker (sensors/walk) as its entrypoint; the walker sees the image's root without
// anything the runtime mounts over it, streams a stat-only walk back, then answers reads.
// Only the bytes asked for leave the engine: heads of files for facts, and the kept files
// as one pipelined stream of their contents.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Readable, type Duplex } from 'node:stream';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type Docker from 'dockerode';
import * as tar from 'tar-stream';
import { attachStdio } from '../engine/attach.js';
import { docker, statusOf } from '../engine/docker.js';
import { engineEndpointOf, type EngineEndpoint } from '../engine/exec-stream.js';
import { compiledModule } from '../util/compiled.js';
import { inspectImageInfo } from '../engine/inspect.js';
import { ownerLabels, startReaper } from '../run/reaper.js';
import { onCleanup } from '../util/cleanup.js';
import { oneLine, UserError } from '../util/errors.js';
import { configFromInspect } from './engine-config.js';
import type { ImageFiles } from './files.js';
import type { FsEntry, FsIndex, ImageConfig } from './types.js';
import { ByteQueue, Demux, nextWalkEvent, readRequest, type WalkRecord } from './walk-format.js';
import { walkIndex } from './walk-index.js';

const WALK_DIR = '/.slimts-walk';
const WALKER = `${WALK_DIR}/slimts-walk`;
export const WALK_LABEL = 'io.slimts.walk';
/** The walker as `make -C sensors` builds it. */
export const WALKER_PATH = fileURLToPath(new URL('../../sensors/build/slimts-walk', import.meta.url));
/** Files up to this size are fetched whole on their first read (facts read a file's head, then more). */
const WHOLE_FILE = 1 << 20;
const BLOCK = 256 << 10;
/** Bytes of fetched content kept for further reads. */
const CACHE_BYTES = 4 << 20;
/** Most bytes fetched ahead for facts (whatever is not, is read when asked). */
const PREFETCH_BYTES = 8 << 20;
const READ_TIMEOUT_MS = 120_000;
/** The walk's own output is bounded: this many entries is not an image we can index. */
const MAX_ENTRIES = 5_000_000;

export interface EngineWalkOptions {
  /** The static walker (sensors/build/slimts-walk). */
  walkerPath: string;
  docker?: Docker;
}

/** A tar holding /.slimts-walk/ (with the mount point root/) and the walker. */
async function walkerTar(walkerPath: string): Promise<Buffer> {
  const bin = await readFile(walkerPath).catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'ENOENT' ? new UserError(`walker not found at ${walkerPath} (run: make -C sensors)`) : err;
  });
  const pack = tar.pack();
  const mtime = new Date();
  pack.entry({ name: `${WALK_DIR.slice(1)}/`, type: 'directory', mode: 0o755, uid: 0, gid: 0, mtime });
  pack.entry({ name: `${WALK_DIR.slice(1)}/root/`, type: 'directory', mode: 0o755, uid: 0, gid: 0, mtime });
  pack.entry({ name: WALKER.slice(1), type: 'file', mode: 0o755, uid: 0, gid: 0, mtime }, bin);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/**
 * Reads exactly-sized pieces of the walker's stdout from an attach or exec stream, pausing
 * the stream while enough is buffered (the engine then waits: nothing piles up here).
 */
class WalkerConn {
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

/**
 * The sync reads facts need, answered by a worker thread that holds its own walker (an exec in
 * the walk container): the caller blocks on an Atomics word, not on the event loop.
 */
const READ_WORKER = `
const { workerData } = require('node:worker_threads');
const { port, flag, container, walker, endpoint, dockerode, format, engine } = workerData;
// the engine API spoken on the engine's own socket (src/engine/exec-stream); over ssh, dockerode
const startExec = async () => {
  if (endpoint) return (await import(engine)).startExecStream(endpoint, container, [walker, 'serve']);
  const d = new (require(dockerode))();
  const exec = await d.getContainer(container).exec({ Cmd: [walker, 'serve'], User: '0:0', AttachStdin: true, AttachStdout: true, AttachStderr: true });
  return { sock: await exec.start({ hijack: true, stdin: true }), rest: Buffer.alloc(0) };
};
(async () => {
  const { Demux, ByteQueue, readRequest } = await import(format);
  const { sock, rest } = await startExec();
  const q = new ByteQueue();
  const demux = new Demux((b) => q.push(b));
  if (rest.length) demux.push(rest);
  let wake = () => {};
  let ended = false;
  sock.on('data', (c) => { demux.push(c); wake(); });
  sock.on('end', () => { ended = true; wake(); });
  sock.on('error', () => { ended = true; wake(); });
  sock.resume();
  const need = async (n) => {
    while (q.length < n) {
      if (ended) throw new Error('the engine reader stopped answering' + (demux.stderr ? ': ' + demux.stderr.trim().split('\\n')[0] : ''));
      await new Promise((r) => (wake = r));
    }
  };
  const answer = (msg) => { port.postMessage(msg); Atomics.store(flag, 0, 1); Atomics.notify(flag, 0); };
  // answers arrive in request order: one queue of takers, whoever asked (prefetch or a read)
  let chain = Promise.resolve();
  const fetch = (path, offset, length) => {
    sock.write(readRequest(path, offset, length));
    const p = chain.then(async () => {
      await need(8);
      const n = Number(q.take(8).readBigInt64LE(0));
      if (n < 0) return { errno: -n };
      await need(n);
      return { data: Buffer.from(q.take(n)) };
    });
    chain = p.then(() => undefined, () => undefined);
    return p;
  };
  const early = new Map();
  port.on('message', async (m) => {
    if (m.prefetch) {
      for (const r of m.prefetch) {
        const key = r.offset + ':' + r.length + ':' + r.path;
        if (!early.has(key)) early.set(key, fetch(r.path, r.offset, r.length));
      }
      return;
    }
    try {
      const key = m.offset + ':' + m.length + ':' + m.path;
      const got = early.get(key);
      early.delete(key);
      answer(await (got ?? fetch(m.path, m.offset, m.length)));
    } catch (e) {
      answer({ error: String(e && e.message || e) });
    }
  });
  answer({ ready: true });
})().catch((e) => { port.postMessage({ error: String(e && e.message || e) }); Atomics.store(flag, 0, 1); Atomics.notify(flag, 0); });
`;

class SyncReader {
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private readonly port: MessagePort;
  private readonly worker: Worker;
  private ready = false;
  private failed?: Error;

  constructor(containerId: string, endpoint: EngineEndpoint | undefined) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const require = createRequire(import.meta.url);
    this.worker = new Worker(READ_WORKER, {
      eval: true,
      workerData: {
        port: port2, flag: this.flag, container: containerId, walker: WALKER, endpoint,
        dockerode: require.resolve('dockerode'), format: compiledModule('image/walk-format.js'),
        engine: compiledModule('engine/exec-stream.js'),
      },
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

  private wait(): { data?: Uint8Array; errno?: number; error?: string; ready?: boolean } {
    const deadline = Date.now() + READ_TIMEOUT_MS;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0 || Atomics.wait(this.flag, 0, 0, left) === 'timed-out') throw new Error('the engine reader did not answer in time');
      Atomics.store(this.flag, 0, 0);
      if (this.failed) throw new Error(`the engine reader failed: ${this.failed.message}`);
      // the flag can be seen before the message it announces is queued here: poll for it
      let m: { data?: Uint8Array; errno?: number; error?: string; ready?: boolean } | undefined;
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
    this.port.postMessage({ path, offset, length });
    const m = this.wait();
    if (m.errno) throw new Error(`${path}: cannot read in the image (errno ${m.errno})`);
    return Buffer.from(m.data!.buffer, m.data!.byteOffset, m.data!.byteLength);
  }

  /** Asks for these reads ahead, pipelined; read() of the same range then waits for them. */
  prefetch(reqs: Array<{ path: string; offset: number; length: number }>): void {
    if (reqs.length) this.port.postMessage({ prefetch: reqs });
  }

  close(): Promise<number> {
    this.port.close();
    return this.worker.terminate();
  }
}

/** Fetched bytes by path and block, bounded, oldest dropped first. */
class ContentCache {
  private readonly map = new Map<string, Buffer>();
  private bytes = 0;

  get(key: string): Buffer | undefined {
    return this.map.get(key);
  }

  set(key: string, b: Buffer): void {
    this.map.set(key, b);
    this.bytes += b.length;
    for (const [k, v] of this.map) {
      if (this.bytes <= CACHE_BYTES) break;
      this.map.delete(k);
      this.bytes -= v.length;
    }
  }
}

class EngineFiles implements ImageFiles {
  private readonly sync: SyncReader;
  private readonly cache = new ContentCache();
  /** Whole files fetched ahead: the write takes them from there, not from the stream again. */
  private readonly early = new Set<string>();
  /** Paths whose answers are on their way in the main stream, in order. */
  private readonly pending: string[] = [];
  private readonly served = new Set<string>();
  private turn: Promise<void> = Promise.resolve();

  constructor(
    readonly index: FsIndex,
    readonly config: ImageConfig,
    private readonly containerId: string,
    private readonly conn: WalkerConn,
    private readonly dispose: () => Promise<void>,
    endpoint: EngineEndpoint | undefined,
  ) {
    // its exec starts now, while the app runs
    this.sync = new SyncReader(containerId, endpoint);
  }

  read(entry: FsEntry, offset: number, length: number): Buffer {
    const size = entry.content?.size ?? entry.size;
    const n = Math.max(0, Math.min(length, size - offset));
    if (n === 0) return Buffer.alloc(0);
    if (size <= WHOLE_FILE) return this.block(entry.path, 0, size).subarray(offset, offset + n);
    // a read over several blocks (an ELF file's read-only data): asked for at once, pipelined,
    // so it waits one round trip, not one per block
    const ahead: Array<{ path: string; offset: number; length: number }> = [];
    for (let start = offset - (offset % BLOCK); start < offset + n; start += BLOCK) {
      if (!this.cache.get(`${start}:${entry.path}`)) ahead.push({ path: entry.path, offset: start, length: Math.min(BLOCK, size - start) });
    }
    if (ahead.length > 1) this.sync.prefetch(ahead);
    const out = Buffer.alloc(n);
    for (let got = 0; got < n; ) {
      const at = offset + got;
      const start = at - (at % BLOCK);
      const b = this.block(entry.path, start, Math.min(BLOCK, size - start));
      got += b.copy(out, got, at - start);
    }
    return out;
  }

  /**
   * Fetches ahead, in one pipelined batch, what facts will read of these paths (symlinks
   * followed in the index): the whole file when small, else its first block.
   */
  prefetch(paths: Iterable<string>): void {
    const reqs: Array<{ path: string; offset: number; length: number }> = [];
    const seen = new Set<string>();
    let bytes = 0;
    for (const p of paths) {
      const e = resolveFile(this.index, p);
      if (!e || seen.has(e.path)) continue;
      seen.add(e.path);
      const size = e.content?.size ?? e.size;
      const length = size <= WHOLE_FILE ? size : Math.min(BLOCK, size);
      if (length === 0 || bytes + length > PREFETCH_BYTES) continue;
      bytes += length;
      reqs.push({ path: e.path, offset: 0, length });
      if (length === size) this.early.add(e.path);
    }
    this.sync.prefetch(reqs);
  }

  private block(path: string, start: number, length: number): Buffer {
    const key = `${start}:${path}`;
    let b = this.cache.get(key);
    if (!b) {
      b = this.sync.read(path, start, length);
      this.cache.set(key, b);
    }
    return b;
  }

  plan(entries: readonly FsEntry[]): void {
    const reqs: Buffer[] = [];
    for (const e of entries) {
      if (this.early.has(e.path)) continue;
      reqs.push(readRequest(e.path, 0, e.content?.size ?? e.size));
      this.pending.push(e.path);
    }
    if (reqs.length) this.conn.send(Buffer.concat(reqs));
  }

  /**
   * The next answer of the main stream when it is this entry's (as planned); otherwise the
   * entry is read on the side and its planned answer skipped when it comes.
   */
  open(entry: FsEntry): Promise<Readable> {
    const size = entry.content?.size ?? entry.size;
    const prev = this.turn;
    let done!: () => void;
    this.turn = new Promise<void>((r) => (done = r));
    return prev.then(async () => {
      // answers of entries already served on the side go by unread
      while (this.pending.length && this.served.has(this.pending[0]!)) {
        this.served.delete(this.pending[0]!);
        await this.skipAnswer();
      }
      if (this.pending[0] !== entry.path || this.early.has(entry.path)) {
        // fetched ahead, not planned, or asked out of the planned order: read on the side,
        // leaving the planned stream in step
        if (this.pending.includes(entry.path)) this.served.add(entry.path);
        done();
        return Readable.from(this.chunks(entry, size), { objectMode: false });
      }
      this.pending.shift();
      const n = Number((await this.conn.take(8)).readBigInt64LE(0));
      if (n < 0) {
        done();
        throw new Error(`${entry.path}: cannot read in the image (errno ${-n})`);
      }
      if (n !== size) {
        done();
        throw new Error(`${entry.path}: the image holds ${n} bytes, the index ${size}`);
      }
      return Readable.from(this.body(n, done), { objectMode: false });
    });
  }

  private *chunks(entry: FsEntry, size: number): Generator<Buffer> {
    for (let at = 0; at < size; at += BLOCK) yield Buffer.from(this.read(entry, at, Math.min(BLOCK, size - at)));
  }

  private async *body(n: number, done: () => void): AsyncGenerator<Buffer> {
    try {
      for (let left = n; left > 0; ) {
        await this.conn.need(1);
        const b = await this.conn.take(Math.min(left, Math.max(1, Math.min(this.conn.queue.length, 1 << 20))));
        left -= b.length;
        yield Buffer.from(b);
      }
    } finally {
      done();
    }
  }

  private async skipAnswer(): Promise<void> {
    this.pending.shift();
    const n = Number((await this.conn.take(8)).readBigInt64LE(0));
    for (let left = Math.max(0, n); left > 0; ) {
      await this.conn.need(1);
      left -= (await this.conn.take(Math.min(left, this.conn.queue.length))).length;
    }
  }

  async close(): Promise<void> {
    await this.sync.close().catch(() => undefined);
    await this.dispose();
  }
}

/** The file a path names in the index, through symlinks (bounded), or undefined. */
function resolveFile(index: FsIndex, path: string): FsEntry | undefined {
  const queue = path.split('/').filter(Boolean);
  let at = '';
  for (let hops = 0; queue.length; ) {
    const part = queue.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      at = at.slice(0, at.lastIndexOf('/'));
      continue;
    }
    const e = index.get(`${at}/${part}`);
    if (!e) return undefined;
    if (e.type === 'symlink' && e.linkname) {
      if (++hops > 40) return undefined;
      if (e.linkname.startsWith('/')) at = '';
      queue.unshift(...e.linkname.split('/').filter(Boolean));
    } else at = e.path;
  }
  const e = index.get(at || '/');
  return e && (e.type === 'file' || e.type === 'hardlink') ? e : undefined;
}

function engineError(err: unknown, ref: string): Error {
  if (err instanceof UserError) return err;
  if (statusOf(err) === 404) return new UserError(`image "${ref}" not found in the engine`);
  const code = (err as { code?: string }).code;
  if (code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EACCES') return new UserError(`cannot reach the Docker engine (${code}); is it running?`);
  return new UserError(`the engine-side reader failed on "${ref}": ${oneLine(err)} (--read layers reads the image through an export instead)`);
}

/**
 * Indexes an engine image through a walk of a created container of it; the returned files
 * read what the selector and the writer need from that container. close() removes it.
 */
export async function walkEngineImage(ref: string, opts: EngineWalkOptions): Promise<ImageFiles> {
  const d = opts.docker ?? docker();
  const name = `slimts-walk-${process.pid}-${randomBytes(4).toString('hex')}`;
  let removed: Promise<void> | undefined;
  const remove = () => (removed ??= d.getContainer(name).remove({ force: true, v: true }).then(() => undefined, (e) => (statusOf(e) === 404 ? undefined : Promise.reject(e))));
  const unregister = onCleanup(remove);
  let conn: WalkerConn | undefined;
  const dispose = async () => {
    conn?.stream.destroy();
    await remove().catch(() => undefined);
    unregister();
  };
  try {
    const info = await inspectImageInfo(d, ref);
    const volumes = Object.keys((info.Config?.Volumes ?? {}) as Record<string, unknown>);
    const bin = await walkerTar(opts.walkerPath);
    startReaper();
    const container: Docker.Container = await d.createContainer({
      name,
      Image: info.Id,
      Entrypoint: [WALKER],
      Cmd: ['walk'],
      User: '0:0',
      WorkingDir: '/',
      Env: [],
      AttachStdin: true, AttachStdout: true, AttachStderr: true, OpenStdin: true, StdinOnce: true, Tty: false,
      NetworkDisabled: true,
      Healthcheck: { Test: ['NONE'] },
      Labels: { ...ownerLabels(), [WALK_LABEL]: '1' },
      HostConfig: {
        NetworkMode: 'none',
        // the walker unshares a mount namespace and binds the root to look under the mounts
        CapAdd: ['SYS_ADMIN'],
        // the image's VOLUMEs as empty tmpfs: no volume is created or filled for the walk
        Mounts: volumes.map((v) => ({ Type: 'tmpfs' as const, Source: '', Target: v })),
        // contents go through the attach stream only, never into an engine log
        LogConfig: { Type: 'none', Config: {} },
      },
    });
    await container.putArchive(bin, { path: '/' });
    const stream = await attachStdio(container, { stdin: true, stdout: true, stderr: true });
    conn = new WalkerConn(stream);
    await container.start();
    const created = (await container.inspect()).Created;
    const records = await readWalk(conn, volumes);
    // no user names: the layers' tar headers hold the export host's, which no container shows
    const index = walkIndex(records, { createdNs: parseNs(created) });
    return new EngineFiles(index, configFromInspect(info), container.id, conn, dispose, await engineEndpointOf(d));
  } catch (err) {
    await dispose();
    throw engineError(err, ref);
  }
}

async function readWalk(conn: WalkerConn, volumes: readonly string[]): Promise<WalkRecord[]> {
  const records: WalkRecord[] = [];
  for (;;) {
    let ev = nextWalkEvent(conn.queue);
    while (!ev) {
      const have = conn.queue.length;
      if (!(await conn.need(have + 1))) {
        throw new UserError(`the engine walker ended early${conn.stderr ? `: ${conn.stderr.trim().split('\n')[0]}` : ''}`);
      }
      ev = nextWalkEvent(conn.queue);
    }
    if (ev.kind === 'error') throw new UserError(`the engine walker cannot see the image's files (${ev.message})`);
    if (ev.kind === 'live') {
      // no mount namespace of its own (e.g. AppArmor's docker-default profile): what is mounted
      // over the image is left out, which is only the runtime's own unless the image has VOLUMEs
      if (volumes.length) throw new UserError(`the engine does not let the walker look under the image's VOLUME ${volumes[0]} (mounts are forbidden in its containers); use --read layers`);
      continue;
    }
    if (ev.kind === 'end') {
      if (ev.count !== records.length) throw new Error(`engine walk: ${records.length} entries of ${ev.count}`);
      return records;
    }
    records.push(ev.record);
    if (records.length > MAX_ENTRIES) throw new UserError(`the image holds more than ${MAX_ENTRIES} entries`);
  }
}

/** RFC 3339 with nanoseconds → ns since the epoch. */
export function parseNs(iso: string): bigint {
  const m = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(iso);
  if (!m) return BigInt(Date.parse(iso)) * 1_000_000n;
  const secs = BigInt(Math.floor(Date.parse(`${m[1]}${m[3]}`) / 1000));
  const frac = BigInt((m[2] ?? '').padEnd(9, '0').slice(0, 9) || '0');
  return secs * 1_000_000_000n + frac;
}
