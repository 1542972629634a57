// `slimts build`: inspect → read → index → traced run → trace → keep-set → write → send →
// verify. Leaves nothing behind on error or Ctrl-C; never touches the original image.
import { existsSync, statSync } from 'node:fs';
import { docker, statusOf } from '../engine/docker.js';
import type { ImageFiles } from '../image/files.js';
import type { FsEntry, FsIndex, ImageConfig } from '../image/types.js';
import { indexView, ldSoConfFiles } from '../elf/index.js';
import { writeImage } from '../oci/write.js';
import { orderEntries } from '../oci/order.js';
import { firstAccessOrder, type AccessOrder } from '../trace/access-order.js';
import { discard, sendImage, wantsGzip } from '../sink/index.js';
import type { SinkResult } from '../sink/types.js';
import type { WrittenImage } from '../oci/types.js';
import type { KeepSet } from '../select/index.js';
import { interruptSignal, onCleanup } from '../util/cleanup.js';
import { UserError } from '../util/errors.js';
import { editConfig } from './config-edit.js';
import { exeEntries, keptEntries, mergeEntries } from './entries.js';
import type { BuildOptions, Stage } from './options.js';
import { droppedList, estargzReport, keptFiles, type BuildReport, type VerifyReport } from './report.js';
import { referencesReport, selectFor } from './keep.js';
import type { Selection } from '../select/index.js';
import { sinkFor } from './destination.js';
import { openSource, type Source } from './source.js';
import { validateBuildOptions } from './validate.js';
import { hardenStage, runnableName, wantsHarden } from './harden.js';
import { engineFailure } from '../engine/errors.js';
import { compareRuns, readRunTrace, runPlain, runTraced, type RunTrace, type TracedRunResult } from '../run/index.js';
import type { AppOutputError } from '../run/logs.js';
import { SENSOR_PATH } from '../trace/index.js';
import type { WriteEntry } from '../oci/types.js';
import { packageStage, sbomStage } from './package-stage.js';
import { labelObserved, loadObservations, type LoadedObservations } from './observations.js';
import type { ObservationsReport } from './report.js';

export function defaultSensorPath(): string {
  return process.env.SLIMTS_SENSOR ?? SENSOR_PATH;
}

export async function build(opts: BuildOptions): Promise<BuildReport> {
  const t0 = Date.now();
  const stages: Record<string, number> = {};
  const stage = async <T>(name: Stage, fn: () => Promise<T> | T): Promise<T> => {
    opts.onStage?.(name, 'start');
    const s = Date.now();
    try {
      return await fn();
    } catch (err) {
      throw engineFailure(err, name);
    } finally {
      stages[name] = (stages[name] ?? 0) + Date.now() - s;
      opts.onStage?.(name, 'done', stages[name]);
    }
  };
  // every option checked before anything starts, so bad input fails at once
  validateBuildOptions(opts);
  const sensorPath = opts.sensorPath ?? defaultSensorPath();
  if (!existsSync(sensorPath)) throw new UserError(`sensor not found at ${sensorPath} (run: make -C sensors)`);

  const cleanups: Array<() => Promise<unknown>> = [];
  const cleanupAll = async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
  };
  const unregister = onCleanup(cleanupAll);
  let filesP: Promise<ImageFiles> | undefined;
  let closing: Promise<void> | undefined;
  const closeFiles = (f: ImageFiles) => (closing ??= f.close());
  try {
    const source = await openSource(opts, stage, cleanups);
    // The run needs nothing from the read, and the read nothing from the run: overlap them.
    filesP = source.files;
    filesP.then((f) => cleanups.push(() => closeFiles(f)), () => undefined);
    filesP.catch(() => undefined);
    // untrusted files from elsewhere: checked against this image before anything runs
    const observed = opts.observations?.length ? loadObservations(opts.observations, source.id) : undefined;
    const runId = await source.runId;
    const traced = await stage('run', () => runTraced({
      image: runId,
      config: source.config,
      overrides: opts.run,
      continueAfter: opts.continueAfter,
      timeout: opts.timeout,
      stopTimeout: opts.stopTimeout,
      probes: opts.probes,
      onProgress: opts.onProgress,
      signal: opts.signal,
      sensor: { path: sensorPath, fanotify: opts.fanotify, syscalls: wantsHarden(opts), resident: opts.format === 'estargz' },
    }));
    cleanups.push(() => traced.dispose());
    const files = await filesP;
    const index = files.index;
    const trace = await stage('trace', () => readRunTrace(traced.trace));
    // facts read mostly what the app touched, and the loader's config: an engine-side reader
    // fetches them ahead, in one batch
    files.prefetch([...trace.events.map((e) => e.path), ...(observed?.events.map((e) => e.path) ?? []), ...ldSoConfFiles(index)]);
    const selection = await stage('select', () => selectFor(files, index, observed ? [...trace.events, ...observed.events] : trace.events, opts));
    const keep = selection.keep;
    const packages = await stage('packages', () => packageStage(files, index, keep, opts));
    const byObservation = observed ? labelObserved(keep, trace.events, observed) : 0;
    const config = editConfig(files.config, opts.edits ?? {});

    const { written, sent } = await writeAndSend(files, index, keep, config, opts, source, stage, cleanups, packages.entries,
      opts.format === 'estargz' ? firstAccessOrder(trace.events, trace.startupEvents, { resident: trace.resident, mapped: trace.mapped }) : undefined);
    // nothing after the write reads the image but hardening: let the reader go while verify runs
    if (!wantsHarden(opts)) closeFiles(files).catch(() => undefined);
    const verified = opts.verify === false ? undefined : await stage('verify', async () => {
      const ref = await slimRef(sent, written, cleanups);
      return { ref, report: await verifyRun(ref, source.config, traced, opts) };
    });
    const ref = verified?.ref;
    const verify = verified?.report ?? { ran: false, ok: true, notes: ['--no-verify'] };
    const hardening = wantsHarden(opts)
      ? await stage('harden', () => hardenStage({
        opts, ref, outputName: runnableName(sinkFor(opts, source.file), sent.where), config: source.config, index,
        view: indexView(index, (e, off, len) => files.read(e, off, len)), keep, trace, traced,
      }))
      : undefined;

    const report = await makeReport(opts, source.id, index, selection, written, sent, traced, trace, verify);
    report.packages = await sbomStage(packages, opts, { name: sent.where, source: opts.image, timestamp: files.config.created }, sent);
    if (observed) report.observations = observationsReport(observed, byObservation);
    if (hardening) {
      report.hardening = hardening;
      if (!hardening.verify.ok) Object.assign(report, { ok: false, exitCode: 3 });
    }
    report.stages = stages;
    report.totalMs = Date.now() - t0;
    return report;
  } finally {
    await cleanupAll();
    unregister();
    // a read still in flight when the run failed: close it (temp files, the walk's container)
    // once it lands, before this returns, so nothing is left behind
    await filesP?.then((f) => closeFiles(f), () => undefined);
  }
}

async function writeAndSend(
  files: ImageFiles, index: FsIndex, keep: KeepSet, config: ImageConfig, opts: BuildOptions, source: Source,
  stage: <T>(n: Stage, fn: () => Promise<T> | T) => Promise<T>, cleanups: Array<() => Promise<unknown>>,
  rewritten: WriteEntry[], access?: AccessOrder,
): Promise<{ written: WrittenImage; sent: SinkResult }> {
  const spec = sinkFor(opts, source.file);
  const written = await stage('write', () => {
    const kept = keptEntries(keep, (e) => files.open(e));
    const entries = mergeEntries(kept, [...rewritten, ...exeEntries(opts.exes ?? [])]);
    // the writer opens files in tar order: the reader can stream them as one
    const fromImage = new Map(kept.filter((w) => w.open).map((w) => [w, keep.get(w.path)!.entry] as const));
    files.plan(orderEntries(entries).flatMap((w): FsEntry[] => { const e = fromImage.get(w); return e ? [e] : []; }));
    return writeImage({
      config,
      history: { created_by: historyLine(source, keep.size, index.size), comment: 'slimts build' },
      entries,
      refName: spec.kind === 'registry' ? spec.ref : spec.tag,
      gzip: wantsGzip(spec),
      estargz: access ? { prefetch: access.startup, later: access.later, resident: access.resident, mapped: access.mapped } : undefined,
    }, { created: files.config.created });
  });
  cleanups.push(() => discard(written));
  const sent = await stage('send', () => sendImage(written.image, spec));
  if (sent.kind === 'engine') cleanups.push(() => untagIfInterrupted(sent.where));
  return { written, sent };
}

/**
 * An output tag loaded before verify: Ctrl-C (or SIGTERM, a hang-up) before the build ended
 * leaves no unverified image behind. Untagged only (an identical image keeps its other tags);
 * the verify container that still uses it is being removed beside this, hence the retries.
 */
async function untagIfInterrupted(tag: string): Promise<void> {
  if (!interruptSignal.aborted) return;
  for (let i = 0; i < 25; i++) {
    const err = await docker().getImage(tag).remove().then(() => undefined, (e: unknown) => e);
    if (!err || statusOf(err) !== 409) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Names the original by id, not by the path or tag it came through: the same image slims to the same digest anywhere. */
function historyLine(source: Source, kept: number, total: number): string {
  return `slimts build ${source.id}: kept ${kept} of ${total} entries seen in use by a traced run`;
}

/** The slim image in the engine, for the verify runs. */
async function slimRef(sent: SinkResult, written: WrittenImage, cleanups: Array<() => Promise<unknown>>): Promise<string> {
  if (sent.kind === 'engine') return sent.where;
  // the output went to a file: load it under a throwaway tag to run it, then remove that tag
  const tmpTag = `slimts-verify/${process.pid}-${Date.now().toString(36)}:tmp`;
  const r = await sendImage(written.image, { kind: 'engine', tag: tmpTag });
  // untag only (no force): an identical image the user already has keeps its other tags
  cleanups.push(() => docker().getImage(tmpTag).remove().catch(() => undefined));
  return r.where;
}

/**
 * Runs the slim image the way the original was run (the original config decides command,
 * ports and probes: --new-* edits are the user's to make, the check is that the kept files
 * still do what the traced run did) and compares the two runs.
 */
async function verifyRun(ref: string, config: ImageConfig, traced: TracedRunResult, opts: BuildOptions): Promise<VerifyReport> {
  const plain = await runPlain({
    image: ref,
    config,
    overrides: opts.run,
    continueAfter: opts.continueAfter,
    timeout: opts.timeout,
    stopTimeout: opts.stopTimeout,
    probes: { ...opts.probes, replay: traced.probes },
    // the ports the traced run probed: the app's own, not an EXPOSEd one it never opened
    probePorts: traced.ports.map((p) => p.containerPort),
    allowNonZeroExit: true,
    // only the answers and an exit of its own are compared, never how it stops: no grace period
    end: 'kill',
    onProgress: opts.onProgress,
    signal: opts.signal,
  }).catch((err: unknown) => err as Error);
  if (plain instanceof Error) {
    const appOutput = (plain as Partial<AppOutputError>).lastOutput;
    return { ran: true, ok: false, notes: [`the slim image did not run: ${plain.message.split('\n')[0]}`], ...(appOutput?.length ? { appOutput } : {}) };
  }
  const regressions = compareRuns(traced, plain);
  const notes = regressions.map((r) => `${r.target}: ${r.message}`);
  // what the slim app said while it did worse (a traceback, a missing file) is the why
  const appOutput = regressions.length && plain.lastOutput?.length ? { appOutput: plain.lastOutput } : {};
  return { ran: true, ok: regressions.length === 0, notes, ...appOutput, probes: plain.probes, exitCode: plain.exitCode };
}

function observationsReport(o: LoadedObservations, keptByObservation: number): ObservationsReport {
  return { runs: o.runs, events: o.events.length, paths: o.seenBy.size, keptByObservation, warnings: o.warnings };
}

async function engineSize(ref: string): Promise<number | undefined> {
  try {
    return (await docker().getImage(ref).inspect()).Size;
  } catch {
    return undefined;
  }
}

async function makeReport(
  opts: BuildOptions, sourceId: string | undefined, index: FsIndex, selection: Selection,
  written: WrittenImage, sent: SinkResult, traced: TracedRunResult, trace: RunTrace, verify: VerifyReport,
): Promise<BuildReport> {
  const keep = selection.keep;
  let bytes = 0;
  for (const e of index.entries()) if (e.type === 'file') bytes += e.size;
  const kept = keptFiles(keep);
  const keptBytes = kept.reduce((n, k) => n + (k.type === 'file' ? k.size : 0), 0);
  const srcSize = await engineSize(sourceId ?? opts.image);
  const outSize = sent.kind === 'engine' ? await engineSize(sent.where) : undefined;
  const fileSize = sent.kind === 'oci-archive' ? statSync(sent.where, { throwIfNoEntry: false })?.size : undefined;
  const ratio = srcSize && outSize ? srcSize / outSize : bytes / Math.max(1, keptBytes);
  const ok = verify.ok;
  return {
    schemaVersion: 1,
    ok,
    exitCode: ok ? 0 : 3,
    source: { ref: opts.image, id: sourceId, size: srcSize, files: index.size, bytes },
    output: {
      kind: sent.kind, where: sent.where, imageId: sent.imageId, size: outSize, ...(fileSize !== undefined ? { fileSize } : {}),
      layerSize: written.layerSize, blobSize: written.blobSize, files: keep.size, bytes: keptBytes,
      format: written.estargz ? 'estargz' : written.layerMediaType?.endsWith('+gzip') ? 'gzip' : 'tar',
      ...(written.estargz ? { estargz: estargzReport(written.estargz) } : {}),
    },
    ratio,
    trace: {
      events: trace.events.length, processes: trace.processes, mode: trace.mode, complete: trace.complete,
      exitCode: traced.exitCode, warnings: [...traced.warnings, ...trace.warnings],
      ...(traced.appPrivileges ? { app: traced.appPrivileges } : {}),
    },
    probes: traced.probes,
    verify,
    references: referencesReport(selection, opts.select?.references !== false),
    stages: {},
    totalMs: 0,
    kept,
    dropped: droppedList(index, keep),
    ...(opts.exes?.length ? { added: exeEntries(opts.exes).map((e) => ({ path: e.path, size: e.size })) } : {}),
  };
}
