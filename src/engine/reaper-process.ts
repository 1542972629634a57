// The detached reaper process (started by reaper.ts as `node reaper-process.js OWNER`). It
// waits for its stdin to close — the owner ended, even by SIGKILL — then removes what the
// owner's id labels and the owner's temp dirs, and exits. Its stdin brings the parent dirs of
// the owner's temp dirs, one a line, until then.
import { removeTempDirsOf } from '../util/tmp.js';
import { docker } from './docker.js';
import { OWNER_LABEL } from './reaper.js';

/** Rounds of removal: a container being created as the owner died shows up in the next one. */
const ROUNDS = 3;
const ROUND_PAUSE_MS = 500;

/** Everything stdin says, once it closes (for any reason). */
function untilClosed(): Promise<string> {
  return new Promise((done) => {
    let said = '';
    const end = () => done(said);
    process.stdin.on('data', (c: Buffer) => (said += c.toString('utf8')));
    process.stdin.on('end', end);
    process.stdin.on('close', end);
    process.stdin.on('error', end);
    process.stdin.resume();
  });
}

/** Removes the owner's containers (with their anonymous volumes) and volumes, in a few rounds. */
async function removeLabelled(owner: string): Promise<void> {
  const d = docker();
  const filters = JSON.stringify({ label: [`${OWNER_LABEL}=${owner}`] });
  for (let round = 0; round < ROUNDS; round++) {
    const cs = await d.listContainers({ all: true, filters }).catch(() => []);
    await Promise.all(cs.map((c) => d.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
    const vs = (await d.listVolumes({ filters }).catch(() => undefined))?.Volumes ?? [];
    await Promise.all(vs.map((v) => d.getVolume(v.Name).remove({ force: true }).catch(() => undefined)));
    if (cs.length === 0 && vs.length === 0) return;
    await new Promise((r) => setTimeout(r, ROUND_PAUSE_MS));
  }
}

async function main(owner: string): Promise<void> {
  const said = await untilClosed();
  const pid = Number(owner.slice(owner.lastIndexOf(':') + 1));
  for (const parent of new Set(said.split('\n').filter(Boolean))) removeTempDirsOf(parent, (p) => p === pid);
  await removeLabelled(owner);
}

await main(process.argv[2] ?? '').catch(() => undefined);
process.exit(0);
