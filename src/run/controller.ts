// Runs an image once in the engine, in phases: create and start (with the sensor injected),
// drive (probe, or wait for the exit or the trigger), end (stop or kill), collect output and traces; remove
// everything. Every path, including errors and Ctrl-C, removes what it created.
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type Docker from 'dockerode';
import { attachStdio } from '../engine/attach.js';
import { docker, engineHostAddress, engineIsRemote, publishAddress, statusOf } from '../engine/docker.js';
import { networkRoutable } from '../engine/routable.js';
import type { ContainerConfig } from '../image/types.js';
import { runProbes, TargetGoneError } from '../probe/run.js';
import { reachOf, sleep, tryConnect } from '../probe/tcp.js';
import type { PortTarget, ProbeResult } from '../probe/types.js';
import { interruptSignal, onCleanup, parkIfInterrupted } from '../util/cleanup.js';
import { oneLine, UserError } from '../util/errors.js';
import { makeTempDir } from '../util/tmp.js';
import { extractDir, injectSensor, pathExists, readSmallFile } from './archive.js';
import { parseAppPrivileges, tracedCaps, type AppPrivileges } from './caps.js';
import { execIn } from './exec.js';
import { lastOutput, readLogs, withLastOutput } from './logs.js';
import { parseMount } from './mounts.js';
import { ownerLabels, startReaper, sweepOrphans } from '../engine/reaper.js';
import { parseListens, settlePorts } from './ports.js';
import { buildCreateOptions, CAPS_FILE, PORTS_FILE, effectiveUser, exposedTcpPorts, healthArgv, isSensorOutput, READY_FILE, RUN_LABEL, SENSOR_OUTPUT_LIMITS, sensorPrefix, SLIMTS_DIR } from './spec.js';
import type { ContinueAfter, HealthState, PlainRunOptions, RunResult, TraceFiles, TracedRunOptions, TracedRunResult } from './types.js';

/** Runs the image under the sensor and returns what it did, with the trace files. */
export async function runTraced(opts: TracedRunOptions): Promise<TracedRunResult> {
  const r = await runContainer(opts, opts.sensor);
  return r as TracedRunResult;
}

/** Runs the image as it is (no sensor): for verifying a slim image against the original. */
export async function runPlain(opts: PlainRunOptions): Promise<RunResult> {
  return runContainer(opts, undefined);
}

/** The continue-after mode actually used (defaults and the TTY/CI rule for "enter"). */
export function resolveContinueAfter(c: ContainerConfig, requested?: ContinueAfter, warn?: (m: string) => void): ContinueAfter {
  const fallback: ContinueAfter = exposedTcpPorts(c).length > 0 ? { mode: 'probe' } : { mode: 'exit' };
  if (!requested) return fallback;
  if (requested.mode === 'enter' && (!process.stdin.isTTY || process.env.CI)) {
    warn?.(`--continue-after enter needs an interactive terminal (and no CI); using ${fallback.mode}`);
    return fallback;
  }
  return requested;
}

const DEFAULT_TIMEOUT_S = 600;
const DEFAULT_STOP_TIMEOUT_S = 10;
// A plain run has no trace to flush, and an app that is PID 1 there (the sensor is PID 1 in the
// traced run) often ignores SIGTERM: waiting docker's full 10 s would only slow verification.
const DEFAULT_PLAIN_STOP_TIMEOUT_S = 3;

/**
 * Seconds the whole run may take. A person ending the run (signal, enter) is not timed out
 * unless asked; a timed run gets its own length plus room for start-up and probes.
 */
function overallTimeout(mode: ContinueAfter, requested: number | undefined): number {
  if (requested !== undefined) return mode.mode === 'timeout' ? Math.max(requested, mode.seconds + 60) : requested;
  if (mode.mode === 'signal' || mode.mode === 'enter') return Infinity;
  if (mode.mode === 'timeout') return Math.max(DEFAULT_TIMEOUT_S, mode.seconds + 60);
  return DEFAULT_TIMEOUT_S;
}

/** What one run holds while it lasts: its options, abort signal, undo list, progress and warnings. */
interface RunScope {
  opts: PlainRunOptions;
  sensor: TracedRunOptions['sensor'] | undefined;
  c: ContainerConfig;
  mode: ContinueAfter;
  t0: number;
  signal: AbortSignal;
  /** Throws the abort's reason once the run is aborted (caller, timeout, Ctrl-C). */
  checkAbort(): void;
  timedOut(): boolean;
  progress: NonNullable<PlainRunOptions['onProgress']>;
  warn(message: string): void;
  warnings: string[];
  /** Removals, run in reverse on every way out. */
  undo: Array<() => Promise<void>>;
  close(): Promise<void>;
}

/** What the app did between start and stop. */
interface Driven {
  probes: ProbeResult[];
  ports: PortTarget[];
  exitedByItself: boolean;
}

async function runContainer(opts: PlainRunOptions, sensor: TracedRunOptions['sensor'] | undefined): Promise<RunResult | TracedRunResult> {
  const scope = openScope(opts, sensor);
  let container: Docker.Container | undefined;
  try {
    let answered: AnswerMark;
    ({ container, answered } = await createAndStart(scope));
    const driven = await drive(scope, container, answered);
    const ended = await end(scope, container, driven);
    return await collect(scope, container, driven, ended);
  } catch (err) {
    await parkIfInterrupted();
    if (scope.timedOut() && scope.signal.reason instanceof UserError && container) {
      throw await withLastOutput(container, scope.signal.reason.message);
    }
    throw err;
  } finally {
    await scope.close();
  }
}

/**
 * One abort signal for the whole run (the caller's, Ctrl-C, or the overall timeout) and one
 * undo list, registered for cleanup on signals until close().
 */
function openScope(opts: PlainRunOptions, sensor: TracedRunOptions['sensor'] | undefined): RunScope {
  const c = opts.config.config ?? {};
  const warnings: string[] = [];
  const progress = opts.onProgress ?? (() => {});
  const warn = (message: string) => {
    warnings.push(message);
    progress({ phase: 'warning', message });
  };
  const mode = resolveContinueAfter(c, opts.continueAfter, warn);
  const timeoutS = overallTimeout(mode, opts.timeout);
  const ac = new AbortController();
  const onOuterAbort = () => ac.abort(opts.signal?.reason);
  const onInterrupt = () => ac.abort(interruptSignal.reason);
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  interruptSignal.addEventListener('abort', onInterrupt, { once: true });
  if (opts.signal?.aborted) ac.abort(opts.signal.reason);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort(new UserError(`the run did not finish within ${timeoutS} s (--timeout)`));
  }, Math.min(timeoutS * 1000, 2 ** 31 - 1));
  const undo: Array<() => Promise<void>> = [];
  const removeAll = async () => {
    progress({ phase: 'cleanup', message: 'removing the container' });
    for (const fn of undo.splice(0).reverse()) await fn().catch(() => {});
  };
  const unregister = onCleanup(removeAll);
  return {
    opts, sensor, c, mode, t0: Date.now(), signal: ac.signal, progress, warn, warnings, undo,
    timedOut: () => timedOut,
    checkAbort: () => {
      if (ac.signal.aborted) throw ac.signal.reason ?? new Error('aborted');
    },
    close: async () => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onOuterAbort);
      interruptSignal.removeEventListener('abort', onInterrupt);
      await removeAll();
      unregister();
    },
  };
}

/** Called with each probe result: tells the sensor of the app's first answer (a traced run). */
type AnswerMark = (probe: ProbeResult) => void;

/** Creates the container (labelled with this process as its owner), injects the sensor, starts it. */
async function createAndStart(scope: RunScope): Promise<{ container: Docker.Container; answered: AnswerMark }> {
  const { opts, sensor, undo, progress } = scope;
  const d = docker();
  // Every container and volume is labelled with this process as its owner, so the reaper or
  // the next run removes it should this process be killed before its own cleanup.
  const labels = { ...opts.labels, ...ownerLabels() };
  startReaper();
  await sweepOrphans();
  await createdVolumes(opts.overrides?.mounts ?? [], undo, { ...labels, [RUN_LABEL]: '1' });
  const create = buildCreateOptions({
    image: opts.image,
    config: scope.c,
    overrides: opts.overrides,
    ...(sensor ? { sensor: { fanotify: sensor.fanotify, syscalls: sensor.syscalls, resident: sensor.resident } } : {}),
    // a container this host reaches at its own address needs no published ports
    ...((await networkRoutable(opts.overrides?.network)) ? {} : { publishIp: publishAddress() }),
    labels,
    ...(opts.probePorts ? { ports: opts.probePorts } : {}),
    name: `slimts-run-${process.pid}-${randomBytes(4).toString('hex')}`,
  });
  progress({ phase: 'create', message: `creating a container from ${opts.image}` });
  // Named up front and its removal registered before the request, so a Ctrl-C that lands
  // while the engine creates it still removes it.
  const named = d.getContainer(create.name!);
  undo.push(() => named.remove({ force: true, v: true }).catch((e) => (statusOf(e) === 404 ? undefined : Promise.reject(e))));
  let container: Docker.Container;
  try {
    container = await d.createContainer(create);
  } catch (err) {
    throw new UserError(`cannot create a container from ${opts.image}: ${oneLine(err)}`);
  }
  scope.checkAbort();
  let answered: AnswerMark = () => undefined;
  if (sensor) {
    // the sensor goes in before the attach: podman sets a container up (its runtime looks for
    // the entrypoint) when it is attached to
    await injectSensor(container, sensor.path);
    answered = await holdLiveness(container, undo);
  }
  scope.checkAbort();
  progress({ phase: 'start', message: `starting ${container.id.slice(0, 12)}` });
  try {
    await container.start();
  } catch (err) {
    throw new UserError(`cannot start ${opts.image}: ${oneLine(err)}`);
  }
  return { container, answered };
}

/** The app's own exit and its last output, as an error. */
async function exitedError(container: Docker.Container, when: string): Promise<UserError> {
  const st = (await container.inspect()).State;
  return withLastOutput(container, `the app exited with code ${st.ExitCode} ${when}`);
}

const isRunning = async (container: Docker.Container) => (await container.inspect()).State.Running === true;

/** From start to the moment to stop: wait for the exit, or probe and then wait for the trigger. */
async function drive(scope: RunScope, container: Docker.Container, answered: AnswerMark): Promise<Driven> {
  const { mode, signal } = scope;
  if (mode.mode === 'exit') {
    scope.progress({ phase: 'ready', message: 'waiting for the app to exit' });
    await waitExit(container, signal);
    scope.checkAbort();
    return { probes: [], ports: [], exitedByItself: true };
  }
  const { probes, ports } = await probeRunning(scope, container, answered);
  scope.checkAbort();
  if (mode.mode !== 'probe') await waitTrigger(mode, scope.t0, container, signal, scope.progress);
  scope.checkAbort();
  if (await isRunning(container)) return { probes, ports, exitedByItself: false };
  scope.warn(`the app exited by itself (code ${(await container.inspect()).State.ExitCode}) before it was stopped`);
  return { probes, ports, exitedByItself: true };
}

/**
 * Runs the probes against the started app. The port waits need no sensor (an app that listens
 * already runs under it); commands run inside do, and the run does not stop before the sensor
 * is up.
 */
async function probeRunning(scope: RunScope, container: Docker.Container, answered: AnswerMark): Promise<{ probes: ProbeResult[]; ports: PortTarget[] }> {
  const { opts, sensor, c } = scope;
  const info = await container.inspect();
  if (!info.State.Running) throw await exitedError(container, 'right after it started');
  scope.progress({ phase: 'ready', message: 'the app is running' });
  // The sensor marks itself ready at the app's first exec, before the app runs: an answer from
  // the app proves it. Its ready file is read only when that proof is missing (a command to run
  // inside, an app that never answered): reading it holds the container's lock, which stalls
  // every other request on the container (an inspect beside it waited 70 ms).
  let appAnswered = false;
  let readyP: Promise<boolean> | undefined;
  const ready = () => (readyP ??= sensor ? waitReady(container, scope.signal) : Promise.resolve(true));
  const sensorUp = async () => {
    if (appAnswered || (await ready())) return;
    scope.checkAbort();
    throw new TargetGoneError('the sensor started');
  };
  const health = healthArgv(c.Healthcheck);
  const prefix = sensor
    ? sensorPrefix({ user: effectiveUser(c, opts.overrides), append: true, appDrop: tracedCaps(opts.overrides ?? {}).appDrop, syscalls: sensor.syscalls })
    : [];
  // an app gone before any probe got a result (a port opening counts) died starting up
  let results = 0;
  try {
    const ports = opts.probePorts || !sensor ? publishedPorts(info, c, opts.overrides?.network, opts.probePorts) : await appPorts(scope, container, info);
    scope.checkAbort();
    const probes = await runProbes(
      {
        ports,
        exec: async (cmd, ms) => (await sensorUp(), execIn(container, [...prefix, ...cmd], ms)),
        ...(health ? { healthcheck: health } : {}),
        alive: () => isRunning(container),
        signal: scope.signal,
        startedAt: Date.parse(info.State.StartedAt),
        onResult: (probe) => {
          results++;
          appAnswered ||= answeredByApp(probe);
          answered(probe);
          scope.progress({ phase: 'probe', message: `${probe.ok ? 'ok' : 'FAILED'} ${probe.target}${probe.status !== undefined ? ` (${probe.status})` : ''}`, probe });
        },
      },
      opts.probes,
    );
    await sensorUp();
    return { probes, ports };
  } catch (err) {
    if (err instanceof TargetGoneError) throw await exitedError(container, results > 0 && (await ready()) ? 'while it was probed' : 'right after it started');
    throw err;
  }
}

/** Once the app listens somewhere, how long (at least) an EXPOSEd port it has not opened still gets. */
const EXPOSED_GRACE_MS = 5000;

/**
 * The traced run's ports: the EXPOSEd ones that open and the ones the sensor saw the app listen
 * on. An EXPOSEd port the app never opens is a warning, not a failure; a run that ends on a
 * timer waits for ports no longer than it lasts.
 */
async function appPorts(scope: RunScope, container: Docker.Container, info: Docker.ContainerInspectInfo): Promise<PortTarget[]> {
  const { opts, c, mode } = scope;
  const network = opts.overrides?.network;
  const exposed = exposedTcpPorts(c);
  const targets = publishedPorts(info, c, network, exposed);
  const reached = new Map<number, PortTarget>();
  let waitMs = (opts.probes?.probeWait ?? 60) * 1000;
  if (mode.mode === 'timeout') waitMs = Math.min(waitMs, Math.max(0, mode.seconds * 1000 - (Date.now() - scope.t0)));
  // nothing EXPOSEd and a run that ends on its own trigger: what listens now, no waiting
  if (exposed.length === 0 && mode.mode !== 'probe') waitMs = 0;
  const settled = await settlePorts({
    exposed,
    listened: async () => parseListens((await readSmallFile(container, PORTS_FILE, 64 << 10)) ?? ''),
    accepts: async (port) => {
      const t = targets.find((x) => x.containerPort === port);
      if (!t) return false;
      const r = reached.get(port) ?? (await reachOf(t));
      reached.set(port, r);
      return tryConnect(r.host, r.hostPort, 1000, r.proxied === false ? 0 : 300);
    },
    alive: () => isRunning(container),
    waitMs,
    graceMs: EXPOSED_GRACE_MS,
    signal: scope.signal,
    sleep,
  });
  scope.checkAbort();
  if (settled.gone) throw new TargetGoneError('waiting for its ports');
  const own = settled.open.filter((p) => !exposed.includes(p));
  if (own.length) scope.progress({ phase: 'ready', message: `the app listens on ${own.map((p) => `port ${p}`).join(', ')} (not EXPOSEd): probing it` });
  const listensOn = settled.open.length ? `; it listens on ${settled.open.join(', ')}` : '';
  for (const p of settled.missing) {
    scope.warn(`port ${p} is EXPOSEd but the app did not listen on it within ${Math.round(settled.waitedMs / 1000)} s${listensOn}: not probed`);
  }
  for (const p of settled.loopback) scope.warn(`the app listens on port ${p} on its loopback address only: not probed`);
  const found = publishedPorts(info, c, network, settled.open);
  for (const p of settled.open) {
    if (!found.some((t) => t.containerPort === p)) scope.warn(`the app listens on port ${p}, which is not EXPOSEd and not reachable from here (only EXPOSEd ports are published): not probed`);
  }
  return found;
}

/** Health as the engine saw it, then the stop (or kill); an exit of its own is checked here. */
async function end(scope: RunScope, container: Docker.Container, driven: Driven): Promise<{ exitCode: number; killed: boolean; health?: HealthState }> {
  const { opts, sensor, c } = scope;
  const health = await healthState(container);
  let killed = false;
  const grace = opts.stopTimeout ?? (sensor ? DEFAULT_STOP_TIMEOUT_S : DEFAULT_PLAIN_STOP_TIMEOUT_S);
  if (!driven.exitedByItself && opts.end === 'kill') await killNow(container, scope.progress);
  else if (!driven.exitedByItself) killed = await stop(container, c.StopSignal, grace, scope.progress);
  if (killed) scope.warn(`the app ignored ${c.StopSignal || 'SIGTERM'} for ${grace} s and was killed`);
  const exitCode = (await container.inspect()).State.ExitCode ?? -1;
  if (scope.mode.mode === 'exit' && exitCode !== 0 && !opts.allowNonZeroExit) throw await exitedError(container, '(expected 0)');
  return { exitCode, killed, ...(health ? { health } : {}) };
}

/** The app's output, and for a traced run the sensor's files and the privileges it recorded. */
async function collect(
  scope: RunScope, container: Docker.Container, driven: Driven, ended: { exitCode: number; killed: boolean; health?: HealthState },
): Promise<RunResult | TracedRunResult> {
  scope.progress({ phase: 'collect', message: 'collecting output' });
  const { stdout, stderr } = await readLogs(container);
  const base: RunResult = {
    lastOutput: await lastOutput(container),
    containerId: container.id, exitCode: ended.exitCode, exitedByItself: driven.exitedByItself, killed: ended.killed, stdout, stderr,
    probes: driven.probes, ...(ended.health ? { health: ended.health } : {}), ports: driven.ports, warnings: scope.warnings, durationMs: 0,
  };
  if (!scope.sensor) return { ...base, durationMs: Date.now() - scope.t0 };
  const trace = await collectTrace(container);
  if (!trace.files.complete) scope.warn(`the trace is incomplete${ended.killed ? ' (the sensor was killed)' : ''}`);
  const privileges = await readPrivileges(trace.files.dir);
  if (!privileges) scope.warn('the sensor did not record the capabilities the app ran with');
  else if (!privileges.traceHidden) scope.warn('the engine did not let the sensor hide its trace from the app (mounts denied, e.g. by AppArmor): the app could write to it');
  return { ...base, trace: trace.files, ...(privileges ? { appPrivileges: privileges } : {}), dispose: trace.dispose, durationMs: Date.now() - scope.t0 };
}

/**
 * Named volumes a --mount names that do not exist yet: created here (labelled like everything
 * this run makes) instead of implicitly by the engine, and removed afterwards.
 */
async function createdVolumes(mounts: string[], undo: Array<() => Promise<void>>, labels: Record<string, string>): Promise<void> {
  for (const m of mounts.map(parseMount)) {
    if (m.Type !== 'volume' || !m.Source) continue;
    const v = docker().getVolume(m.Source);
    const exists = await v.inspect().then(() => true, (e) => (statusOf(e) === 404 ? false : Promise.reject(e)));
    if (exists) continue;
    undo.push(() => v.remove({ force: true }).catch(() => {}));
    await docker().createVolume({ Name: m.Source, Labels: labels });
  }
}

/**
 * Attaches to the traced container's stdin (before start) and holds it for the whole run: the
 * sensor's liveness channel. Should this process die, the engine closes the container's stdin
 * and the sensor ends the container; on the normal path it is closed once the app stopped.
 */
async function holdLiveness(container: Docker.Container, undo: Array<() => Promise<void>>): Promise<AnswerMark> {
  const stream = await attachStdio(container, { stdin: true });
  stream.on('error', () => {});
  undo.push(async () => { stream.destroy(); });
  // The one byte the sensor reads on it: the app's first answer, which ends its start-up in
  // the trace (`#answered`, FORMAT.md). A port that merely accepted is not an answer yet.
  let marked = false;
  return (probe) => {
    if (marked || !probe.ok || (probe.kind === 'tcp' && probe.protocol !== 'other')) return;
    marked = true;
    stream.write('a');
  };
}

/** An HTTP answer: only the app gives one (a port proxy may accept, or close, in its stead). */
function answeredByApp(probe: ProbeResult): boolean {
  if (probe.kind === 'tcp') return probe.protocol === 'http' || probe.protocol === 'https';
  return probe.kind !== 'exec' && probe.kind !== 'healthcheck' && probe.kind !== 'script' && probe.status !== undefined;
}

async function readPrivileges(dir: string): Promise<AppPrivileges | undefined> {
  const text = await readFile(join(dir, CAPS_FILE.slice(SLIMTS_DIR.length + 1)), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : parseAppPrivileges(text);
}

/** Polls for the sensor's ready file; false when the container exited first. */
async function waitReady(container: Docker.Container, signal: AbortSignal): Promise<boolean> {
  // the sensor writes it within milliseconds of the start: poll briskly, then back off
  for (let delay = 10; !signal.aborted; delay = Math.min(delay * 1.5, 250)) {
    if (await pathExists(container, READY_FILE)) return true;
    if (!(await container.inspect()).State.Running) return false;
    await sleep(delay, signal);
  }
  return false;
}

async function waitExit(container: Docker.Container, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  const waited = container.wait({ condition: 'not-running' });
  await Promise.race([waited, aborted(signal)]);
}

/** Resolves when `signal` aborts (at once if it already did). */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** Waits for the timeout / SIGUSR1 / Enter trigger, or for the app to exit on its own. */
async function waitTrigger(mode: ContinueAfter, t0: number, container: Docker.Container, signal: AbortSignal, progress: NonNullable<PlainRunOptions['onProgress']>): Promise<void> {
  const ac = new AbortController();
  const both = AbortSignal.any([signal, ac.signal]);
  const exited = container.wait({ condition: 'not-running' }).then(() => ac.abort(), () => {});
  let cleanup = () => {};
  const trigger = new Promise<void>((resolve) => {
    if (mode.mode === 'timeout') {
      const left = mode.seconds * 1000 - (Date.now() - t0);
      progress({ phase: 'ready', message: `running for ${mode.seconds} s` });
      void sleep(Math.max(0, left), both).then(resolve);
    } else if (mode.mode === 'signal') {
      progress({ phase: 'ready', message: `send SIGUSR1 to process ${process.pid} to stop the run` });
      const h = () => resolve();
      process.once('SIGUSR1', h);
      cleanup = () => process.removeListener('SIGUSR1', h);
    } else if (mode.mode === 'enter') {
      progress({ phase: 'ready', message: 'press Enter to stop the run' });
      const rl = createInterface({ input: process.stdin });
      rl.once('line', () => resolve());
      cleanup = () => rl.close();
    }
    void aborted(both).then(resolve);
  });
  await trigger;
  cleanup();
  ac.abort();
  void exited;
}

/** SIGKILL and the wait for it to land. */
async function killNow(container: Docker.Container, progress: NonNullable<PlainRunOptions['onProgress']>): Promise<void> {
  progress({ phase: 'stop', message: 'checked: ending it with SIGKILL (no graceful stop needed)' });
  const waited = container.wait({ condition: 'not-running' }).then(() => undefined, () => undefined);
  await container.kill({ signal: 'SIGKILL' }).catch((err) => (statusOf(err) === 409 ? undefined : Promise.reject(err)));
  await waited;
}

/** Stop signal, grace period, then SIGKILL. Returns true when SIGKILL was needed. */
async function stop(container: Docker.Container, stopSignal: string | undefined, graceS: number, progress: NonNullable<PlainRunOptions['onProgress']>): Promise<boolean> {
  const sig = normalizeSignal(stopSignal);
  progress({ phase: 'stop', message: `stopping with ${sig}` });
  const waited = container.wait({ condition: 'not-running' }).then(() => true, () => true);
  try {
    await container.kill({ signal: sig });
  } catch (err) {
    if (statusOf(err) !== 409) throw err; // 409: not running any more
    return false;
  }
  const grace = new AbortController();
  const inTime = await Promise.race([waited, sleep(graceS * 1000, grace.signal).then(() => false)]);
  grace.abort();
  if (inTime) return false;
  progress({ phase: 'stop', message: `no exit after ${graceS} s; SIGKILL` });
  await container.kill({ signal: 'SIGKILL' }).catch(() => {});
  await waited;
  return true;
}

function normalizeSignal(s: string | undefined): string {
  if (!s) return 'SIGTERM';
  if (/^\d+$/.test(s)) return s;
  return s.toUpperCase().startsWith('SIG') ? s.toUpperCase() : `SIG${s.toUpperCase()}`;
}

async function healthState(container: Docker.Container): Promise<HealthState | undefined> {
  const h = (await container.inspect()).State.Health as { Status?: string; FailingStreak?: number; Log?: Array<{ Output?: string }> } | undefined;
  if (!h?.Status) return undefined;
  const last = h.Log?.[h.Log.length - 1]?.Output;
  return { status: h.Status, failingStreak: h.FailingStreak ?? 0, ...(last ? { lastOutput: last.trim() } : {}) };
}

/** Where each exposed port is reachable from here: published, or at the container's own address. */
export function publishedPorts(info: Docker.ContainerInspectInfo, c: ContainerConfig, network?: string, ports?: readonly number[]): PortTarget[] {
  const host = engineHostAddress();
  const exposed = ports ?? exposedTcpPorts(c);
  if (network === 'host') return exposed.map((p) => ({ containerPort: p, host, hostPort: p }));
  const bound = (info.NetworkSettings?.Ports ?? {}) as Record<string, Array<{ HostIp: string; HostPort: string }> | null>;
  const own = engineIsRemote() ? undefined : containerAddress(info, network);
  const out: PortTarget[] = [];
  for (const p of exposed) {
    const b = bound[`${p}/tcp`]?.find((x) => x.HostPort);
    if (b) out.push({ containerPort: p, host, hostPort: Number(b.HostPort), ...(own ? { direct: { host: own, port: p } } : {}) });
    // not published (networkRoutable): the container's own address is the only way in
    else if (own) out.push({ containerPort: p, host: own, hostPort: p, proxied: false });
  }
  return out;
}

/** The container's address on its network (an engine on this host routes its bridge to us). */
function containerAddress(info: Docker.ContainerInspectInfo, network?: string): string | undefined {
  const nets = (info.NetworkSettings?.Networks ?? {}) as Record<string, { IPAddress?: string }>;
  const named = network ? nets[network]?.IPAddress : undefined;
  const bridge = (info.NetworkSettings as { IPAddress?: string } | undefined)?.IPAddress;
  return named || bridge || Object.values(nets).find((n) => n.IPAddress)?.IPAddress || undefined;
}

async function collectTrace(container: Docker.Container): Promise<{ files: TraceFiles; dispose: () => Promise<void> }> {
  const dir = await makeTempDir('trace');
  let unregister = () => {};
  const dispose = async () => {
    unregister();
    await rm(dir, { recursive: true, force: true });
  };
  unregister = onCleanup(dispose);
  try {
    await extractDir(container, SLIMTS_DIR, dir, isSensorOutput, SENSOR_OUTPUT_LIMITS);
  } catch (err) {
    await dispose();
    throw err;
  }
  const names = (await readdir(dir)).sort();
  const main = names.includes('trace') ? join(dir, 'trace') : undefined;
  const files: TraceFiles = {
    dir,
    ...(main ? { main } : {}),
    parts: names.filter((n) => /^trace\.\d+\.done$/.test(n)).map((n) => join(dir, n)),
    partial: names.filter((n) => /\.(tmp|part)$/.test(n)).map((n) => join(dir, n)),
    complete: main !== undefined,
  };
  return { files, dispose };
}
