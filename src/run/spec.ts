// Builds the engine's container-create request from an image config, run overrides and
// (for a traced run) the sensor wrapping. Pure, so it is unit-tested without an engine.
import type { ContainerCreateOptions, HealthConfig as EngineHealth } from 'dockerode';
import type { ContainerConfig, HealthConfig } from '../image/types.js';
import { UserError } from '../util/errors.js';
import { tracedCaps } from './caps.js';
import { parseMount } from './mounts.js';
import type { RunOverrides } from './types.js';

export const SLIMTS_DIR = '/.slimts';
const SENSOR_IN_CONTAINER = `${SLIMTS_DIR}/slimts-sensor`;
export const READY_FILE = `${SLIMTS_DIR}/ready`;
const TRACE_FILE = `${SLIMTS_DIR}/trace`;
/** The app's capability sets, recorded by the sensor at its first exec. */
export const CAPS_FILE = `${SLIMTS_DIR}/app.caps`;
/** The TCP ports the app listens on, appended by the sensor as it sees each listen (ports.ts). */
export const PORTS_FILE = `${SLIMTS_DIR}/ports`;

/** The files the sensor writes into SLIMTS_DIR (trace, its parts, the caps): all that is copied back. */
export function isSensorOutput(name: string): boolean {
  return /^trace(\.tmp|\.\d{1,20}\.(part|done))?$/.test(name) || `${SLIMTS_DIR}/${name}` === CAPS_FILE;
}

/**
 * Bounds of that copy. The sensor ends a trace file at 256 MiB (sensors/src/writer.c
 * TRACE_MAX, counting what it then drops), so a bigger file did not come from it.
 */
export const SENSOR_OUTPUT_LIMITS = { fileBytes: 257 << 20, totalBytes: 1 << 30, files: 10_000 };
export const RUN_LABEL = 'io.slimts.run';

/** The argv the container would run, with docker's override rules. */
export function effectiveCommand(c: ContainerConfig, o: RunOverrides = {}): string[] {
  // Overriding the entrypoint drops the image's CMD unless a cmd is given too.
  const entrypoint = o.entrypoint ?? c.Entrypoint ?? [];
  const cmd = o.cmd ?? (o.entrypoint ? [] : (c.Cmd ?? []));
  const argv = [...entrypoint, ...cmd];
  if (argv.length === 0) throw new UserError('the image has no ENTRYPOINT or CMD; give one with --entrypoint/--cmd');
  return argv;
}

/** The user the app runs as: override, else the image's USER; undefined means root. */
export function effectiveUser(c: ContainerConfig, o: RunOverrides = {}): string | undefined {
  const u = o.user ?? c.User;
  return u ? u : undefined;
}

/** The health test as argv, or undefined when there is none (or it is NONE). */
export function healthArgv(h: HealthConfig | undefined): string[] | undefined {
  const t = h?.Test;
  if (!t || t.length === 0) return undefined;
  if (t[0] === 'NONE') return undefined;
  if (t[0] === 'CMD') return t.length > 1 ? t.slice(1) : undefined;
  if (t[0] === 'CMD-SHELL') return t.length > 1 ? ['/bin/sh', '-c', t.slice(1).join(' ')] : undefined;
  return t; // legacy: bare argv
}

/**
 * Sensor argv prefix for the app (main trace) or for an exec'd command (--append). Every
 * command it starts gets the plain run's capabilities (`appDrop`, see caps.ts) and a mount
 * namespace in which the sensor's dir is covered; the main one also records the app's sets
 * and ends the container when the controller's attach stream (its stdin) closes.
 */
export function sensorPrefix(opts: { user?: string; append?: boolean; fanotify?: boolean; appDrop?: string; syscalls?: boolean; resident?: boolean }): string[] {
  const argv = [SENSOR_IN_CONTAINER];
  if (opts.fanotify && !opts.append) argv.push('--fanotify');
  if (opts.syscalls) argv.push('--syscalls');
  if (opts.resident && !opts.append) argv.push('--resident');
  if (opts.user) argv.push('--user', opts.user);
  if (opts.appDrop !== undefined) argv.push('--app-drop-caps', opts.appDrop);
  argv.push('--hide', SLIMTS_DIR);
  if (!opts.append) argv.push('--ready', READY_FILE, '--caps-out', CAPS_FILE, '--ports-out', PORTS_FILE, '--watch-stdin');
  argv.push('--trace', TRACE_FILE);
  if (opts.append) argv.push('--append');
  argv.push('--');
  return argv;
}

export function exposedTcpPorts(c: ContainerConfig): number[] {
  return Object.keys(c.ExposedPorts ?? {})
    .map((k) => /^(\d+)(?:\/(tcp|udp|sctp))?$/.exec(k))
    .filter((m): m is RegExpExecArray => !!m && (m[2] ?? 'tcp') === 'tcp')
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

export interface SpecInput {
  image: string;
  config: ContainerConfig;
  overrides?: RunOverrides;
  /** Wrap in the sensor (traced run). */
  sensor?: { fanotify?: boolean; syscalls?: boolean; resident?: boolean };
  /**
   * Host IP the exposed ports are published on (publishAddress(): loopback, or "0.0.0.0" for a
   * remote engine); none are published without it (the container's own address is reachable).
   */
  publishIp?: string;
  name?: string;
  /** Extra labels (io.slimts.run=1 is always set). */
  labels?: Record<string, string>;
  /** The TCP ports to expose and publish (default: the image's EXPOSEd ones): verify's are the traced run's. */
  ports?: number[];
}

export function buildCreateOptions(input: SpecInput): ContainerCreateOptions {
  const c = input.config;
  const o = input.overrides ?? {};
  const argv = effectiveCommand(c, o);
  const user = effectiveUser(c, o);
  const network = o.network;
  const publish = input.publishIp !== undefined && network !== 'host' && network !== 'none';
  const ports = input.ports ?? exposedTcpPorts(c);

  const opts: ContainerCreateOptions = {
    Image: input.image,
    ...(input.name ? { name: input.name } : {}),
    Labels: { ...input.labels, [RUN_LABEL]: '1' },
    Env: o.env ?? [],
    AttachStdin: false,
    OpenStdin: false, // the app sees EOF on stdin: nothing ever waits for a terminal
    Tty: false,
    ...(o.workdir ? { WorkingDir: o.workdir } : {}),
    ExposedPorts: Object.fromEntries(ports.map((p) => [`${p}/tcp`, {}])),
    HostConfig: {
      PortBindings: publish ? Object.fromEntries(ports.map((p) => [`${p}/tcp`, [{ HostIp: input.publishIp!, HostPort: '' }]])) : {},
      Mounts: (o.mounts ?? []).map(parseMount),
      ...(network ? { NetworkMode: network } : {}),
      AutoRemove: false,
      ...(o.capAdd?.length ? { CapAdd: o.capAdd } : {}),
      ...(o.capDrop?.length ? { CapDrop: o.capDrop } : {}),
      ...(o.readOnly ? { ReadonlyRootfs: true } : {}),
      ...(o.tmpfs?.length ? { Tmpfs: Object.fromEntries(o.tmpfs.map((t) => [t.split(':')[0]!, t.split(':').slice(1).join(':')])) } : {}),
      ...(o.securityOpt?.length ? { SecurityOpt: o.securityOpt } : {}),
    },
  };

  if (input.sensor) {
    // The sensor starts as root with the plain run's capabilities plus its own (never
    // Privileged or ALL) and gives the app exactly the plain run's (caps.ts). Docker's default
    // seccomp profile already allows ptrace, seccomp(), mount/unshare and fanotify_init with
    // these, so no SecurityOpt is needed (checked on Docker 20.10: mode=ptrace+seccomp).
    const caps = tracedCaps(o);
    opts.Entrypoint = [...sensorPrefix({ user, fanotify: input.sensor.fanotify, appDrop: caps.appDrop, syscalls: input.sensor.syscalls, resident: input.sensor.resident }), ...argv];
    opts.Cmd = [];
    opts.User = '0:0';
    opts.HostConfig!.CapAdd = caps.capAdd;
    if (caps.capDrop.length) opts.HostConfig!.CapDrop = caps.capDrop;
    else delete opts.HostConfig!.CapDrop;
    // The sensor's liveness channel: the controller attaches to stdin and holds it; when that
    // stream closes (the controller died), docker closes stdin (StdinOnce) and the sensor ends
    // the container. The app itself gets /dev/null, as without -i.
    opts.OpenStdin = true;
    opts.StdinOnce = true;
    const test = healthArgv(c.Healthcheck);
    if (test) opts.Healthcheck = { ...engineHealth(c.Healthcheck!), Test: ['CMD', ...sensorPrefix({ user, append: true, appDrop: caps.appDrop, syscalls: input.sensor.syscalls }), ...test] };
  } else {
    opts.Entrypoint = o.entrypoint ?? (c.Entrypoint && c.Entrypoint.length ? c.Entrypoint : []);
    opts.Cmd = argv.slice(opts.Entrypoint.length);
    if (user) opts.User = user;
  }
  return opts;
}

function engineHealth(h: HealthConfig): EngineHealth {
  const r: EngineHealth = {};
  if (h.Interval) r.Interval = h.Interval;
  if (h.Timeout) r.Timeout = h.Timeout;
  if (h.StartPeriod) r.StartPeriod = h.StartPeriod;
  if (h.Retries) r.Retries = h.Retries;
  return r;
}
