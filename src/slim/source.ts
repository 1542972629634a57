// The image to slim, wherever it is. An engine image is inspected once and then read and run by
// that id, so a tag moved meanwhile changes nothing. An archive or OCI layout is read in place
// and loaded into the engine under a throwaway, labelled name for the runs (removed after).
import { randomBytes } from 'node:crypto';
import { engineReachable } from '../engine/docker.js';
import { inspectImage } from '../image/engine-config.js';
import { loadInput, removeOrphanedThrowaways, removeThrowaway, THROWAWAY_REPO } from '../image/load-input.js';
import { formatPlatform, hostPlatform, parsePlatform, platformMatches } from '../image/platform.js';
import { readImage, refLocation } from '../image/read.js';
import { walkEngineImage, WALKER_PATH } from '../image/engine-walk.js';
import { layerFiles, type ImageFiles } from '../image/files.js';
import type { ImageConfig } from '../image/types.js';
import { effectiveCommand } from '../run/spec.js';
import { UserError } from '../util/errors.js';
import { sinkFor, type FileInput } from './destination.js';
import type { BuildOptions, Stage } from './options.js';
import { checkSinkTarget } from './validate.js';

export type StageFn = <T>(name: Stage, fn: () => Promise<T> | T) => Promise<T>;

export interface Source {
  /** The engine image id the containers run (a file input is still loading meanwhile). */
  runId: Promise<string>;
  /** The original's id (its config digest), as the report names it. */
  id: string;
  /** The original config: how the app is run and verified. */
  config: ImageConfig;
  /** The image's files (index, reads); for an engine image the read overlaps the traced run. */
  files: Promise<ImageFiles>;
  /** A file input (it decides the default output). */
  file?: FileInput;
}

/** The traced run needs the sensor's architecture: refuse what this engine cannot trace. */
function checkPlatform(config: ImageConfig, ref: string, wanted: string | undefined): void {
  const have = { os: config.os, architecture: config.architecture, variant: config.variant };
  if (wanted && !platformMatches(have, parsePlatform(wanted))) {
    throw new UserError(`image "${ref}" is ${formatPlatform(have)}, not the --platform ${wanted} asked for`);
  }
  const host = hostPlatform();
  if (have.os && have.architecture && !platformMatches(have, host)) {
    throw new UserError(`image "${ref}" is ${formatPlatform(have)}: the traced run needs ${formatPlatform(host)} (pick it with --platform)`);
  }
}

/** Without a command there is nothing to trace: said before the image is read or loaded. */
function checkRunnable(config: ImageConfig, opts: BuildOptions): void {
  if (effectiveCommand(config.config ?? {}, opts.run).length === 0) {
    throw new UserError(`image "${opts.image}" has neither ENTRYPOINT nor CMD; give --entrypoint or --cmd`);
  }
}

/** A name nobody else uses, under a prefix that says what it is. */
function throwawayTag(repo: string): string {
  return `${repo}/${process.pid}-${randomBytes(4).toString('hex')}:tmp`;
}

/**
 * Opens the source; `cleanups` gets what must be undone (the throwaway image). The caller
 * closes `image` once it settles.
 */
export async function openSource(opts: BuildOptions, stage: StageFn, cleanups: Array<() => Promise<unknown>>): Promise<Source> {
  const loc = await refLocation(opts.image);
  const file: FileInput | undefined = loc.engine ? undefined : { path: loc.path, dir: loc.dir };
  // the default destination too, before any engine work
  checkSinkTarget(sinkFor(opts, file), opts.output || !file ? '--output' : 'the default output (give --output or --tag to choose another)');
  if (loc.engine) {
    const inspected = await stage('inspect', () => inspectImage(loc.name, { pull: opts.pull }));
    checkPlatform(inspected.config, opts.image, opts.platform);
    checkRunnable(inspected.config, opts);
    const files = opts.read === 'layers'
      ? stage('read', () => readImage(inspected.id)).then((img) => stage('index', () => layerFiles(img)))
      : stage('read', () => walkEngineImage(inspected.id, { walkerPath: opts.walkerPath ?? process.env.SLIMTS_WALKER ?? WALKER_PATH }));
    return { runId: Promise.resolve(inspected.id), id: inspected.id, config: inspected.config, files };
  }
  const image = await stage('read', () => readImage(opts.image, { platform: opts.platform }));
  // the default output is named after the image inside the file, when it says (nc-cli.slim:latest from cli.tar)
  if (file && image.name) file.name = image.name;
  try {
    checkPlatform(image.config, opts.image, undefined);
    checkRunnable(image.config, opts);
    await engineReachable();
    await removeOrphanedThrowaways();
  } catch (err) {
    await image.close();
    throw err;
  }
  const tag = throwawayTag(THROWAWAY_REPO);
  cleanups.push(() => removeThrowaway(tag));
  // the load and the index both want the uncompressed layers: they share one decompression
  const runId = stage('load', () => loadInput(image, tag));
  runId.catch(() => undefined);
  return { runId, id: image.configDigest, config: image.config, files: stage('index', () => layerFiles(image)), file };
}
