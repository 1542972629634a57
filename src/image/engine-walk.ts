// The engine-side reader: the files of an engine image read where they are. A container of
// the image is created (never the traced one: its files are the app's to change) with our
// static walker (sensors/walk) as its entrypoint; the walker sees the image's root without
// anything the runtime mounts over it, streams a stat-only walk back, then answers reads.
// Only the bytes asked for leave the engine: heads of files for facts, and the kept files
// as one pipelined stream of their contents (walk-files.ts; the connection: walk-conn.ts,
// synchronous reads: walk-sync-read.ts and its worker, walk-read-worker.ts).
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { readFile } from 'node:fs/promises';
import type Docker from 'dockerode';
import { attachStdio } from '../engine/attach.js';
import { docker, statusOf } from '../engine/docker.js';
import { engineEndpointOf } from '../engine/exec-stream.js';
import { inspectImageInfo } from '../engine/inspect.js';
import { ownerLabels, startReaper } from '../engine/reaper.js';
import { tarOf } from '../tar/index.js';
import { onCleanup } from '../util/cleanup.js';
import { oneLine, UserError } from '../util/errors.js';
import { configFromInspect } from './engine-config.js';
import type { ImageFiles } from './files.js';
import { WalkerConn } from './walk-conn.js';
import { EngineFiles } from './walk-files.js';
import { nextWalkEvent, type WalkRecord } from './walk-format.js';
import { walkIndex } from './walk-index.js';

const WALK_DIR = '/.slimts-walk';
const WALKER = `${WALK_DIR}/slimts-walk`;
export const WALK_LABEL = 'io.slimts.walk';
/** The walker as `make -C sensors` builds it. */
export const WALKER_PATH = fileURLToPath(new URL('../../sensors/build/slimts-walk', import.meta.url));
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
  const mtime = Math.floor(Date.now() / 1000);
  return tarOf([
    { header: { name: `${WALK_DIR.slice(1)}/`, type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime } },
    { header: { name: `${WALK_DIR.slice(1)}/root/`, type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime } },
    { header: { name: WALKER.slice(1), type: 'file', mode: 0o755, uid: 0, gid: 0, mtime }, body: bin },
  ]);
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
    return new EngineFiles(index, configFromInspect(info), container.id, WALKER, conn, dispose, await engineEndpointOf(d));
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
function parseNs(iso: string): bigint {
  const m = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(iso);
  if (!m) return BigInt(Date.parse(iso)) * 1_000_000n;
  const secs = BigInt(Math.floor(Date.parse(`${m[1]}${m[3]}`) / 1000));
  const frac = BigInt((m[2] ?? '').padEnd(9, '0').slice(0, 9) || '0');
  return secs * 1_000_000_000n + frac;
}
