// `slimts instrument IMAGE`: the original image plus the sensor in one added layer, its
// entrypoint wrapped so each container start records what the app touches into a volume.
// Everything else of the config is the original's, so the app runs as it would without us.
import { statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type Dockerode from 'dockerode';
import { buildIndex } from '../image/fsindex.js';
import { readImage } from '../image/read.js';
import type { FsIndex, Image, ImageConfig } from '../image/types.js';
import { LayerPlan } from '../imagebuild/plan.js';
import { writeEntries } from '../imagebuild/layer.js';
import { stackOn } from '../oci/stack.js';
import { parseRefName } from '../oci/refname.js';
import type { NewImage } from '../oci/types.js';
import { writeImage } from '../oci/write.js';
import { chooseSink } from '../sink/choose.js';
import { discard, sendImage } from '../sink/index.js';
import type { SinkSpec } from '../sink/types.js';
import { SENSOR_PATH } from '../trace/index.js';
import { UserError } from '../util/errors.js';
import { OBSERVATIONS_DIR, OBSERVATION_MAX_BYTES, PRELOAD_DEST, SENSOR_DEST } from './constants.js';

export { OBSERVATIONS_DIR, OBSERVATION_MAX_BYTES, PRELOAD_DEST, SENSOR_DEST } from './constants.js';

export interface InstrumentOptions {
  /** The original: an engine name, docker-archive:PATH, oci-archive:PATH, oci:DIR. */
  image: string;
  /** NAME[:TAG] of the result (default NAME.instrumented:TAG). */
  tag?: string;
  /** Write here instead of loading into the engine: ".tar" → OCI archive, else OCI dir. */
  output?: string;
  push?: string;
  insecureRegistry?: boolean;
  platform?: string;
  /** Where the sensor writes (the volume's mount point); SLIMTS_OBSERVATIONS at run time wins. */
  dir?: string;
  /** Bound of one observation file in bytes (at most 256 MiB). */
  maxBytes?: number;
  /**
   * `all` (default): the app keeps every CPU it is given. `one`: the app and the sensor share
   * one CPU, so each ptrace stop is a local context switch (several times cheaper under load),
   * but affinity-based counts (`nproc`, worker_processes auto, GOMAXPROCS) then see one.
   */
  cpus?: 'one' | 'all';
  /** Host path of slimts-sensor (default: the package's, or $SLIMTS_SENSOR). */
  sensorPath?: string;
  docker?: Dockerode;
}

export interface InstrumentResult {
  kind: SinkSpec['kind'];
  where: string;
  tag: string;
  imageId?: string;
  /** The original's id (config digest), which every observation records. */
  original: string;
  entrypoint: string[];
  dir: string;
  maxBytes: number;
}

export async function instrument(opts: InstrumentOptions): Promise<InstrumentResult> {
  const dir = opts.dir ?? OBSERVATIONS_DIR;
  if (!dir.startsWith('/') || /[\0\n]/.test(dir)) throw new UserError(`--dir ${dir}: must be an absolute path in the image`);
  const maxBytes = opts.maxBytes ?? OBSERVATION_MAX_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 64 << 10 || maxBytes > OBSERVATION_MAX_BYTES) {
    throw new UserError(`--max-size: between 64k and 256m, got ${maxBytes} bytes`);
  }
  const sensor = opts.sensorPath ?? process.env.SLIMTS_SENSOR ?? SENSOR_PATH;
  const sensorStat = statSync(sensor, { throwIfNoEntry: false });
  if (!sensorStat?.isFile()) throw new UserError(`sensor not found at ${sensor} (run: make -C sensors)`);
  const preload = join(dirname(sensor), basename(PRELOAD_DEST));
  const preloadStat = statSync(preload, { throwIfNoEntry: false });
  if (!preloadStat?.isFile()) throw new UserError(`${basename(PRELOAD_DEST)} not found beside the sensor at ${preload} (run: make -C sensors)`);
  const tag = parseRefName(opts.tag ?? defaultInstrumentedTag(opts.image)).familiar;
  const sink = chooseSink({ tag, output: opts.output, push: opts.push, insecure: opts.insecureRegistry });

  const image = await readImage(opts.image, { platform: opts.platform, docker: opts.docker });
  try {
    checkRunnable(image.config, opts.image);
    const index = await buildIndex(image);
    const entrypoint = wrappedEntrypoint(image, dir, maxBytes, opts.cpus ?? 'all');
    const config = instrumentedConfig(image.config, entrypoint);
    // one write: the base's layers under the sensor's (oci/stack.ts)
    const written = await writeImage(stackOn(image, newImage(image, index, config, { sensor, size: sensorStat.size, preload, preloadSize: preloadStat.size, mtime: Math.floor(sensorStat.mtimeMs / 1000), dir, tag, sink })), { created: image.config.created });
    try {
      const res = await sendImage(written.image, sink, { docker: opts.docker });
      return { kind: res.kind, where: res.where, tag, imageId: res.imageId, original: image.configDigest, entrypoint, dir, maxBytes };
    } finally {
      await discard(written);
    }
  } finally {
    await image.close();
  }
}

/** The sensor first, the original entrypoint after `--`; CMD stays the config's, so `docker run IMAGE ARGS` replaces it as before. */
export function wrappedEntrypoint(image: Pick<Image, 'config' | 'configDigest'>, dir: string, maxBytes: number, cpus: 'one' | 'all'): string[] {
  const orig = image.config.config?.Entrypoint ?? [];
  return [SENSOR_DEST, '--observe', dir, '--image', image.configDigest, '--max-bytes', String(maxBytes), '--cpus', cpus, '--preload', PRELOAD_DEST, '--', ...orig];
}

/** The original config with only the entrypoint replaced (CMD, user, env, ports, healthcheck, labels... verbatim). */
export function instrumentedConfig(cfg: ImageConfig, entrypoint: string[]): ImageConfig {
  const out = structuredClone(cfg);
  out.config = { ...(out.config ?? {}), Entrypoint: entrypoint };
  // Docker keeps a null Cmd when an ENTRYPOINT is set: nothing to do for it.
  return out;
}

function checkRunnable(cfg: ImageConfig, ref: string): void {
  const cc = cfg.config ?? {};
  if (!(cc.Entrypoint?.length) && !(cc.Cmd?.length)) {
    throw new UserError(`${ref}: the image has neither ENTRYPOINT nor CMD: nothing to wrap`);
  }
  if (cc.Entrypoint?.[0] === SENSOR_DEST) throw new UserError(`${ref}: already instrumented`);
}

function newImage(
  image: Image, index: FsIndex, config: ImageConfig,
  k: { sensor: string; size: number; preload: string; preloadSize: number; mtime: number; dir: string; tag: string; sink: SinkSpec },
): NewImage {
  const plan = new LayerPlan(index);
  plan.add({ path: SENSOR_DEST, type: 'file', mode: 0o755, mtime: k.mtime, size: k.size, source: k.sensor, reason: 'sensor' });
  plan.add({ path: PRELOAD_DEST, type: 'file', mode: 0o644, mtime: k.mtime, size: k.preloadSize, source: k.preload, reason: 'sensor' });
  // World-writable with the sticky bit, like /tmp: any USER can record, a named volume mounted
  // there starts with this mode, and one container cannot remove another's files.
  if (!index.get(k.dir)) plan.add({ path: k.dir, type: 'dir', mode: 0o1777, mtime: k.mtime, size: 0, reason: 'observations' });
  return {
    config,
    history: {
      created_by: `slimts instrument ${image.configDigest}: ${SENSOR_DEST} records each start's file accesses into ${k.dir}`,
      comment: 'slimts instrument',
    },
    entries: writeEntries(plan.all()),
    refName: k.sink.kind === 'registry' ? k.sink.ref : k.tag,
    gzip: k.sink.kind !== 'engine',
  };
}

/** "myapp:1" → "myapp.instrumented:1" (an image id has no name to extend). */
export function defaultInstrumentedTag(ref: string): string {
  const plain = ref.replace(/^(docker-archive|oci-archive|oci):/, '');
  const id = /^(?:sha256:)?([0-9a-f]{12,64})$/.exec(plain);
  if (id) return `slimts-${id[1]!.slice(0, 12)}.instrumented:latest`;
  if (plain !== ref) return 'slimts-instrumented:latest';
  const noDigest = ref.split('@')[0]!;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  const hasTag = colon > slash;
  return `${hasTag ? noDigest.slice(0, colon) : noDigest}.instrumented:${hasTag ? noDigest.slice(colon + 1) : 'latest'}`;
}
