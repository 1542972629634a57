// Temp dirs carry their owner's pid in their name (slimts-<what>-<pid>-XXXXXX), so what a
// process killed with SIGKILL left behind can be told apart and removed: by its reaper, which
// hears of every parent dir the process uses, and by the next run's sweep of the default one.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const parents = new Set<string>();
const listeners = new Set<(parent: string) => void>();

function prefix(what: string, parent: string): string {
  if (!parents.has(parent)) {
    parents.add(parent);
    for (const fn of listeners) fn(parent);
  }
  return join(parent, `slimts-${what}-${process.pid}-`);
}

/** A fresh private dir named for `what` and this process. */
export function makeTempDir(what: string, parent = tmpdir()): Promise<string> {
  return mkdtemp(prefix(what, parent));
}

export function makeTempDirSync(what: string, parent = tmpdir()): string {
  return mkdtempSync(prefix(what, parent));
}

/** Calls `fn` with every parent dir temp dirs were made in, now and from now on. */
export function onTempParent(fn: (parent: string) => void): void {
  listeners.add(fn);
  for (const p of parents) fn(p);
}

/** The pid in a temp dir's name, when slimts made it. */
function tempOwner(name: string): number | undefined {
  const m = /^slimts-[a-z]+-(\d+)-[^/]+$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** Removes the temp dirs in `parent` whose owner `gone(pid)` says is gone. */
export function removeTempDirsOf(parent: string, gone: (pid: number) => boolean): void {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = tempOwner(name);
    if (pid !== undefined && gone(pid)) rmSync(join(parent, name), { recursive: true, force: true });
  }
}
