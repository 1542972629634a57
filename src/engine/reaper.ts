// Nothing outlives the controller. Every container and volume a run creates carries
// io.slimts.owner=<host>:<pid>. Three layers remove them when this process cannot:
// - the traced container's sensor ends it when the controller's attach stream closes;
// - a detached reaper process, holding a pipe from this one, removes everything labelled
//   with our owner id as soon as that pipe closes (this process ended, even by SIGKILL);
// - the next run on this host removes what carries the id of a process that is gone (the
//   reaper itself was killed too, e.g. with the whole process group or cgroup).
import { hostname, tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { docker } from './docker.js';
import { compiledModule } from '../util/compiled.js';
import { onTempParent, removeTempDirsOf } from '../util/tmp.js';

export const OWNER_LABEL = 'io.slimts.owner';

/** This process as an owner: host name and pid. */
export function ownerId(): string {
  return `${hostname()}:${process.pid}`;
}

export function ownerLabels(): Record<string, string> {
  return { [OWNER_LABEL]: ownerId() };
}

let reaperStarted = false;

/** Starts the reaper once per process (before the first container is created). */
export function startReaper(): void {
  if (reaperStarted) return;
  reaperStarted = true;
  // a file of its own, compiled like the rest (dist/ when this runs from the sources)
  const main = fileURLToPath(compiledModule('engine/reaper-process.js'));
  const child = execa(process.execPath, [main, ownerId()], {
    detached: true, // its own process group: a Ctrl-C or group kill of ours does not reach it
    cleanup: false, // it must outlive us: that is its job
    stdin: 'pipe', stdout: 'ignore', stderr: 'ignore', buffer: false, reject: false,
  });
  // no reaper (it did not start): the next run's sweep still removes our leftovers
  child.catch(() => undefined);
  child.stdin.on('error', () => {});
  onTempParent((parent) => child.stdin.write(`${parent}\n`));
  // Neither the child nor its pipe keep this process alive; the pipe closes when we end.
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
}

let swept: Promise<void> | undefined;

/** Removes (once per process) containers and volumes of owners on this host that are gone. */
export function sweepOrphans(): Promise<void> {
  swept ??= removeOrphans().catch(() => {});
  return swept;
}

/** Removes containers and volumes whose owner on this host is gone (every call). */
export async function removeOrphans(): Promise<void> {
  removeTempDirsOf(tmpdir(), (pid) => orphaned(`${hostname()}:${pid}`));
  const d = docker();
  const filters = JSON.stringify({ label: [OWNER_LABEL] });
  const [containers, volumes] = await Promise.all([
    d.listContainers({ all: true, filters }),
    d.listVolumes({ filters }).then((v) => v.Volumes ?? []),
  ]);
  await Promise.all([
    ...containers.filter((c) => orphaned(c.Labels?.[OWNER_LABEL])).map((c) => d.getContainer(c.Id).remove({ force: true, v: true }).catch(() => {})),
    ...volumes.filter((v) => orphaned(v.Labels?.[OWNER_LABEL])).map((v) => d.getVolume(v.Name).remove({ force: true }).catch(() => {})),
  ]);
}

/** True for an owner id of this host whose process no longer exists. */
export function orphaned(owner: string | undefined): boolean {
  const m = owner ? /^(.*):(\d+)$/.exec(owner) : null;
  if (!m || m[1] !== hostname()) return false;
  const pid = Number(m[2]);
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
