// `build --harden` / `--seccomp-profile FILE`: the hardening planned from the traced run and
// the kept files (src/harden), the profile written, and the hardened verify run of the slim image.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FsIndex, ImageConfig } from '../image/types.js';
import type { KeepSet } from '../select/index.js';
import type { RunTrace, TracedRunResult } from '../run/index.js';
import { effectiveUser, exposedTcpPorts } from '../run/spec.js';
import { parseMount } from '../run/mounts.js';
import { resolvePath } from '../image/resolve-path.js';
import type { FileView } from '../image/view.js';
import { parentPath } from '../util/paths.js';
import { UserError } from '../util/errors.js';
import {
  composeSnippet, dockerRunLine, planHardening, verifyHardened,
  type CapNeed, type HardenedVerifyReport, type SeccompProfile, type Tmpfs,
} from '../harden/index.js';
import type { SinkSpec } from '../sink/types.js';
import type { BuildOptions } from './options.js';

/** The report's `hardening` section (SCHEMA.md). */
export interface HardeningReport {
  /** Where the seccomp profile was written (absent when the trace had no syscall record). */
  profileFile?: string;
  /** Syscalls the traced tree made (names); the profile adds the always-allowed and runtime ones. */
  syscalls: { traced: string[]; allowed: number };
  capabilities: CapNeed[];
  readOnly: boolean;
  tmpfs: Tmpfs[];
  /** Writes that keep the root from being read-only. */
  blockers: string[];
  verify: HardenedVerifyReport;
  dockerRun: string;
  compose: string;
  notes: string[];
  profile?: SeccompProfile;
}

const DEFAULT_PROFILE_FILE = 'slim.seccomp.json';

/** The name the user runs the output by: the tag (a file output is loaded under it), or the pushed reference. */
export function runnableName(spec: SinkSpec, where: string): string {
  return spec.kind === 'registry' ? spec.ref : (spec.tag ?? where);
}

export function wantsHarden(opts: BuildOptions): boolean {
  return !!opts.harden;
}

export interface HardenInput {
  opts: BuildOptions;
  /** The slim image in the engine (the verify's reference), or undefined when it was not loaded. */
  ref?: string;
  /** What the user will run (the output tag or push reference). */
  outputName: string;
  config: ImageConfig;
  index: FsIndex;
  view: FileView;
  keep: KeepSet;
  trace: RunTrace;
  traced: TracedRunResult;
}

export async function hardenStage(i: HardenInput): Promise<HardeningReport> {
  const c = i.config.config ?? {};
  const h = planHardening({
    syscalls: i.trace.syscalls,
    events: i.trace.events,
    user: effectiveUser(c, i.opts.run),
    ports: exposedTcpPorts(c),
    mounted: [...Object.keys(c.Volumes ?? {}), ...(i.opts.run?.mounts ?? []).map((m) => parseMount(m).Target)],
    fileCaps: (p) => i.index.get(p)?.xattrs?.['security.capability'],
    dir: (p) => {
      const e = i.index.get(p);
      return e?.type === 'dir' ? { uid: e.uid, gid: e.gid, mode: e.mode } : undefined;
    },
    holdsKept: heldBy(i.keep),
    real: (p) => resolvePath(i.view, p).path,
  });
  const file = resolve(i.opts.harden?.profileFile ?? DEFAULT_PROFILE_FILE);
  if (h.profile) {
    try {
      writeFileSync(file, `${JSON.stringify(h.profile, null, 2)}\n`);
    } catch (err) {
      throw new UserError(`--seccomp-profile ${file}: ${(err as Error).message}`);
    }
  }
  const verify: HardenedVerifyReport = i.opts.verify === false || !i.ref
    ? { ran: false, ok: true, held: {}, notes: [i.opts.verify === false ? '--no-verify' : 'the slim image was not loaded'] }
    : await verifyHardened({
      image: i.ref,
      config: i.config,
      overrides: i.opts.run,
      continueAfter: i.opts.continueAfter,
      timeout: i.opts.timeout,
      stopTimeout: i.opts.stopTimeout,
      probes: { ...i.opts.probes, replay: i.traced.probes },
      probePorts: i.traced.ports.map((p) => p.containerPort),
      onProgress: i.opts.onProgress,
      signal: i.opts.signal,
      hardening: h,
      reference: i.traced,
    });
  return {
    ...(h.profile ? { profileFile: file } : {}),
    syscalls: { traced: h.traced, allowed: h.profile?.syscalls[0]?.names.length ?? 0 },
    capabilities: h.caps,
    readOnly: h.readOnly,
    tmpfs: h.tmpfs,
    blockers: h.blockers,
    verify,
    dockerRun: dockerRunLine(h, i.outputName, file),
    compose: composeSnippet(h, i.outputName, file),
    notes: h.notes,
    ...(h.profile ? { profile: h.profile } : {}),
  };
}

/** Directories holding a kept entry that is not a directory (a tmpfs there would hide it). */
function heldBy(keep: KeepSet): (dir: string) => boolean {
  const held = new Set<string>();
  for (const [path, k] of keep) {
    if (k.entry.type === 'dir') continue;
    for (let d = parentPath(path); !held.has(d); d = parentPath(d)) {
      held.add(d);
      if (d === '/') break;
    }
  }
  return (dir) => held.has(dir);
}
