// Nothing outlives the controller. Every container and volume a run creates carries
// io.slimts.owner=<host>:<pid>. Three layers remove them when this process cannot:
// - the traced container's sensor ends it when the controller's attach stream closes;
// - a detached reaper process, holding a pipe from this one, removes everything labelled
//   with our owner id as soon as that pipe closes (this process ended, even by SIGKILL);
// - the next run on this host removes what carries the id of a process that is gone (the
//   reaper itself was killed too, e.g. with the whole process group or cgroup).
import { spawn } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
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

// The reaper: plain ESM run with `node -e` (no build step, works from the sources in tests
// too). It waits for EOF on stdin, then removes what our owner id labels, and exits.
const REAPER = `
const [owner, dockerode, tmp] = process.argv.slice(1);
const { default: Docker } = await import(dockerode);
const { removeTempDirsOf } = await import(tmp);
// stdin brings the parent dirs of the owner's temp dirs, one a line, until it closes
let said = '';
await new Promise((done) => { process.stdin.on('data', (c) => { said += c; }); process.stdin.on('end', done); process.stdin.on('close', done); process.stdin.on('error', done); process.stdin.resume(); });
const pid = Number(owner.slice(owner.lastIndexOf(':') + 1));
for (const parent of new Set(said.split('\\n').filter(Boolean))) removeTempDirsOf(parent, (p) => p === pid);
const d = new Docker();
const filters = JSON.stringify({ label: ['${OWNER_LABEL}=' + owner] });
for (let round = 0; round < 3; round++) {
  const cs = await d.listContainers({ all: true, filters }).catch(() => []);
  await Promise.all(cs.map((c) => d.getContainer(c.Id).remove({ force: true, v: true }).catch(() => {})));
  const vs = (await d.listVolumes({ filters }).catch(() => ({}))).Volumes ?? [];
  await Promise.all(vs.map((v) => d.getVolume(v.Name).remove({ force: true }).catch(() => {})));
  if (cs.length === 0 && vs.length === 0) break;
  await new Promise((r) => setTimeout(r, 500)); // one being created as we died
}
process.exit(0);
`;

let reaperStarted = false;

/** Starts the reaper once per process (before the first container is created). */
export function startReaper(): void {
  if (reaperStarted) return;
  reaperStarted = true;
  const dockerode = pathToFileURL(createRequire(import.meta.url).resolve('dockerode')).href;
  const tmp = compiledModule('util/tmp.js');
  const child = spawn(process.execPath, ['--input-type=module', '-e', REAPER, ownerId(), dockerode, tmp], {
    detached: true, // its own process group: a Ctrl-C or group kill of ours does not reach it
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  child.on('error', () => {}); // no reaper: the next run's sweep still removes our leftovers
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
