// The order in which the traced app first read or executed each path: what a lazy puller
// should fetch first (eStargz prefetch). Relies on FORMAT.md's guarantees: the events of a
// trace file are in `seq` order (written when each syscall returns), and readTraceSet puts
// the main trace's events before those of later exec probes.
import type { TraceEvent } from './parse.js';

/** Successful reads and execs (opens, execve, the kernel's `interp` loads), first access first. */
export function firstAccessOrder(events: Iterable<TraceEvent>): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const e of events) {
    if (e.result !== '0' || (e.intent !== 'r' && e.intent !== 'x')) continue;
    if (seen.has(e.path)) continue;
    seen.add(e.path);
    out.push(e.path);
  }
  return out;
}
