// Options and results of running an image once (traced for slimming, or plain for verifying).
import type { ImageConfig } from '../image/types.js';
import type { PortTarget, ProbeOptions, ProbeResult } from '../probe/types.js';
import type { AppPrivileges } from './caps.js';

/**
 * When the run stops and the trace is collected:
 * - probe: after the probes finished (default when the image exposes ports)
 * - exit: when the app exits by itself (default otherwise: batch jobs, CLIs)
 * - timeout: after `seconds`
 * - signal: when this process gets SIGUSR1
 * - enter: when Enter is pressed (only on a TTY, never with CI set; else falls back to the default)
 */
export type ContinueAfter =
  | { mode: 'probe' }
  | { mode: 'exit' }
  | { mode: 'timeout'; seconds: number }
  | { mode: 'signal' }
  | { mode: 'enter' };

/** Changes to how the container runs; never to the output image. */
export interface RunOverrides {
  entrypoint?: string[];
  cmd?: string[];
  /** KEY=VALUE, appended to the image's. */
  env?: string[];
  workdir?: string;
  user?: string;
  /** docker --mount syntax: type=volume|tmpfs|bind,src=...,dst=...[,readonly]. */
  mounts?: string[];
  /** Network mode or network name. */
  network?: string;
  /** docker run --cap-add / --cap-drop, normalized (caps.ts): names without CAP_, or ALL. */
  capAdd?: string[];
  capDrop?: string[];
  /** docker run --read-only, --tmpfs PATH[:OPTIONS] (repeatable), --security-opt (the hardened verify run). */
  readOnly?: boolean;
  tmpfs?: string[];
  securityOpt?: string[];
}

export interface SensorOptions {
  /** Host path of the static slimts-sensor binary. */
  path: string;
  fanotify?: boolean;
  /** Record every syscall number the traced tree makes (a seccomp profile is wanted). */
  syscalls?: boolean;
  /** Record what start-up read of each big file (`--resident`: eStargz output wants it). */
  resident?: boolean;
}

export type ProgressEvent =
  | { phase: 'create' | 'start' | 'ready' | 'stop' | 'collect' | 'cleanup'; message: string }
  | { phase: 'probe'; message: string; probe?: ProbeResult }
  | { phase: 'warning'; message: string };

export interface PlainRunOptions {
  /** Image reference known to the engine. */
  image: string;
  /** Its config (from inspectImage). */
  config: ImageConfig;
  overrides?: RunOverrides;
  /** Default: probe when the image exposes TCP ports, else exit. */
  continueAfter?: ContinueAfter;
  /**
   * Seconds the whole run may take before it is stopped with an error. Default 600 (none for
   * continue-after signal/enter; at least the run's length + 60 for continue-after timeout).
   */
  timeout?: number;
  /** Seconds between the stop signal and SIGKILL (--stop-timeout). Default 10 traced, 3 plain. */
  stopTimeout?: number;
  probes?: ProbeOptions;
  /** An app that exits non-zero on its own is an error unless this is set. */
  allowNonZeroExit?: boolean;
  /**
   * How an app still running after the probes ends: 'stop' (default) sends its stop signal and
   * waits out the grace period; 'kill' kills it at once, for a run whose shutdown nobody reads.
   */
  end?: 'stop' | 'kill';
  /** Extra labels on the container (io.slimts.run=1 is always set). */
  labels?: Record<string, string>;
  /**
   * The TCP ports to probe (verify: the ones the traced run probed). Default: a traced run
   * probes the ports the app listens on beside the EXPOSEd ones (ports.ts); a plain run the
   * EXPOSEd ones.
   */
  probePorts?: number[];
  onProgress?: (event: ProgressEvent) => void;
  signal?: AbortSignal;
}

export interface TracedRunOptions extends PlainRunOptions {
  sensor: SensorOptions;
}

export interface HealthState {
  /** Docker's own view at stop time: healthy, unhealthy, starting, or none. */
  status: string;
  failingStreak?: number;
  lastOutput?: string;
}

export interface RunResult {
  containerId: string;
  /** The app's (or, traced, the sensor's = the app's) exit status; 128+n when killed by signal n. */
  exitCode: number;
  /** True when the app exited on its own before we stopped it. */
  exitedByItself: boolean;
  /** True when it ignored the stop signal and was SIGKILLed after the grace period. */
  killed: boolean;
  stdout: string;
  stderr: string;
  /** The app's last lines (both streams, as the engine interleaved them), bounded and sanitized (logs.ts). */
  lastOutput?: string[];
  probes: ProbeResult[];
  health?: HealthState;
  ports: PortTarget[];
  warnings: string[];
  durationMs: number;
}

export interface TraceFiles {
  /** Temp dir holding everything found under /.slimts (except the sensor). */
  dir: string;
  /** The main trace, if the sensor completed it. */
  main?: string;
  /** FILE.<pid>.done parts from exec'd probes and health checks. */
  parts: string[];
  /** Unfinished files (.tmp/.part) left when the sensor was killed. */
  partial: string[];
  /** True when the main trace was completed (renamed to its final name). */
  complete: boolean;
}

export interface TracedRunResult extends RunResult {
  trace: TraceFiles;
  /** The privileges the app ran with (undefined when the sensor could not record them). */
  appPrivileges?: AppPrivileges;
  /** Removes the trace dir. Also runs on Ctrl-C via the cleanup registry. */
  dispose(): Promise<void>;
}
