// For the sensor tests: which paths a trace used, by intent, and which programs ran (the build
// reads traces through src/select; this is only a way to state what a test expects).
import type { TraceEvent } from '../../src/trace/index.js';

export interface TraceUsage {
  /** Paths that exist and were opened for reading, read by readlink/getxattr, or mapped by exec. */
  read: string[];
  /** Paths written, created, renamed, removed... */
  written: string[];
  /** Programs that were exec'd successfully, with `#!` and ELF interpreters. */
  executed: string[];
  /** Paths only probed by stat/access that exist. */
  probed: string[];
  /** Directories entered (chdir, fchdir, chroot). */
  dirs: string[];
  /** Paths looked up and not found (ENOENT/ENOTDIR): keep them absent. */
  missing: string[];
  /** Every path that was successfully used in any way (union of the above but missing). */
  all: string[];
}

const sorted = (s: Set<string>) => [...s].sort();

export function summarizeTrace(events: Iterable<TraceEvent>): TraceUsage {
  const read = new Set<string>();
  const written = new Set<string>();
  const executed = new Set<string>();
  const probed = new Set<string>();
  const dirs = new Set<string>();
  const missing = new Set<string>();
  const all = new Set<string>();
  for (const e of events) {
    if (!e.path.startsWith('/')) continue; // pipe:[..], socket:[..]
    if (e.result !== '0') {
      if (e.result === 'ENOENT' || e.result === 'ENOTDIR') missing.add(e.path);
      continue;
    }
    all.add(e.path);
    if (e.path2 !== undefined && e.syscall !== 'symlink' && e.syscall !== 'symlinkat') all.add(e.path2);
    switch (e.intent) {
      case 'r':
        read.add(e.path);
        break;
      case 'w':
        written.add(e.path);
        if (e.path2 !== undefined && !e.syscall.startsWith('symlink')) written.add(e.path2);
        break;
      case 'x':
        executed.add(e.path);
        break;
      case 's':
        probed.add(e.path);
        break;
      case 'd':
        dirs.add(e.path);
        break;
    }
  }
  for (const p of all) missing.delete(p);
  return {
    read: sorted(read),
    written: sorted(written),
    executed: sorted(executed),
    probed: sorted(probed),
    dirs: sorted(dirs),
    missing: sorted(missing),
    all: sorted(all),
  };
}

/** Programs exec'd (execve/execveat that succeeded, plus fanotify-exec), in first-seen order. */
export function execedPrograms(events: Iterable<TraceEvent>): string[] {
  const seen = new Set<string>();
  for (const e of events)
    if (e.result === '0' && (e.syscall === 'execve' || e.syscall === 'execveat' || e.syscall === 'fanotify-exec'))
      seen.add(e.path);
  return [...seen];
}
