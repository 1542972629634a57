// What a hardened run of the slim image looks like, from the traced run and the kept files:
// the seccomp profile, the capabilities, the read-only root with its tmpfs mounts. Pure.
import type { TraceEvent } from '../trace/index.js';
import { neededCaps, startsAsRoot, type CapNeed } from './caps.js';
import { seccompProfile, syscallNames, type SeccompProfile } from './syscalls.js';
import { writablePaths, type DirFacts, type Tmpfs } from './writable.js';

export interface Hardening {
  /** Undefined when the trace holds no syscall record (the sensor was killed). */
  profile?: SeccompProfile;
  /** Syscalls seen in the trace (names), before the always-allowed and runtime ones. */
  traced: string[];
  caps: CapNeed[];
  readOnly: boolean;
  tmpfs: Tmpfs[];
  /** Why the root cannot be read-only (then readOnly is false). */
  blockers: string[];
  notes: string[];
}

export interface PlanInput {
  syscalls?: readonly number[];
  events: readonly TraceEvent[];
  user: string | undefined;
  ports: readonly number[];
  /** The image's VOLUMEs and the run's mount destinations. */
  mounted: readonly string[];
  fileCaps: (path: string) => Buffer | undefined;
  dir: (path: string) => DirFacts | undefined;
  holdsKept: (dir: string) => boolean;
  real?: (dir: string) => string;
}

export function planHardening(input: PlanInput): Hardening {
  const notes: string[] = [];
  const { names, unknown } = syscallNames(input.syscalls ?? []);
  if (unknown.length) notes.push(`syscall numbers without a name here: ${unknown.join(', ')}`);
  if (!input.syscalls) notes.push('the trace holds no syscall record (the sensor did not finish): no seccomp profile');
  const seen = new Set([...names, ...input.events.map((e) => e.syscall)]);
  const caps = neededCaps({
    root: startsAsRoot(input.user), syscalls: seen, events: input.events, ports: input.ports, fileCaps: input.fileCaps,
  });
  const w = writablePaths({ events: input.events, mounted: input.mounted, dir: input.dir, holdsKept: input.holdsKept, real: input.real });
  return {
    ...(input.syscalls ? { profile: seccompProfile(names) } : {}),
    traced: names,
    caps,
    readOnly: w.blockers.length === 0,
    tmpfs: w.tmpfs,
    blockers: w.blockers,
    notes,
  };
}
