// The order in which the traced app first read or executed each path: what a lazy puller
// should fetch first (eStargz prefetch). Relies on FORMAT.md's guarantees: the events of a
// trace file are in `seq` order (written when each syscall returns), and readTraceSet puts
// the main trace's events before those of later exec probes.
import type { TraceEvent } from './parse.js';
import type { Range } from './ranges.js';

export interface AccessOrder {
  /** Paths first used before the app's first probe answer (all of them when no answer was marked). */
  startup: string[];
  /** Paths first used after it (requests the probes made, exec probes), in first-access order. */
  later: string[];
  /** Per big file (as the app named it), the byte ranges start-up read of it (sorted, disjoint). */
  resident?: ReadonlyMap<string, readonly Range[]>;
  /** Per file the app had mapped then (real path), the pages present in its page tables. */
  mapped?: ReadonlyMap<string, readonly Range[]>;
}

/**
 * Successful reads and execs (opens, execve, the kernel's `interp` loads), first access first;
 * `startupEvents` of `events` (from the first) came before the app's first answer; `reads`
 * (the trace's `#resident` and `#mapped` runs) ride along for the writer.
 */
export function firstAccessOrder(
  events: readonly TraceEvent[], startupEvents = events.length,
  reads: Pick<AccessOrder, 'resident' | 'mapped'> = {},
): AccessOrder {
  const seen = new Set<string>();
  const order: AccessOrder = {
    startup: [], later: [],
    ...(reads.resident ? { resident: reads.resident } : {}),
    ...(reads.mapped ? { mapped: reads.mapped } : {}),
  };
  events.forEach((e, i) => {
    if (e.result !== '0' || (e.intent !== 'r' && e.intent !== 'x')) return;
    if (seen.has(e.path)) return;
    seen.add(e.path);
    (i < startupEvents ? order.startup : order.later).push(e.path);
  });
  return order;
}
