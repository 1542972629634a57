// The trace a traced run left, read as the build uses it: the events of the main trace and
// its parts, and warnings when the sensor could not finish or had to drop events.
import { readTraceSet, unionRanges, type Range, type TraceEvent } from '../trace/index.js';
import type { TraceFiles } from './types.js';

export interface RunTrace {
  events: TraceEvent[];
  processes?: number;
  mode?: string;
  complete: boolean;
  warnings: string[];
  /** Syscall numbers the traced tree made, when the sensor recorded them (`--syscalls`). */
  syscalls?: number[];
  /** How many of `events`, from the first, came before the app's first probe answer (its start-up); unset when none was marked. */
  startupEvents?: number;
  /** Per big file (as the app named it), the byte ranges start-up read of it (sorted, disjoint; `--resident`). */
  resident?: ReadonlyMap<string, readonly Range[]>;
  /** Per file the app had mapped then (its real path), the pages present in its page tables (sorted, disjoint; `--resident`). */
  mapped?: ReadonlyMap<string, readonly Range[]>;
}

/** The main trace plus the exec helper's parts; a trace the sensor could not finish is a warning. */
export function readRunTrace(files: TraceFiles): RunTrace {
  const warnings: string[] = [];
  if (!files.main) {
    if (files.partial.length === 0) throw new Error('the traced run left no trace (did the sensor start?)');
    warnings.push('the sensor did not finish its trace; using what it wrote');
  }
  const main = files.main ?? files.partial.find((p) => p.endsWith('.tmp'))?.replace(/\.tmp$/, '') ?? files.partial[0]!;
  const set = readTraceSet(main);
  const dropped = (set.summary?.dropped ?? 0) + set.parts.reduce((n, p) => n + (p.summary?.dropped ?? 0), 0);
  if (dropped > 0) warnings.push(`the sensor dropped ${dropped} events (trace file cap or a full disk): files they name may be missing`);
  return {
    events: set.events,
    processes: set.summary?.processes,
    mode: set.summary?.mode ?? set.header?.mode,
    complete: set.complete && files.complete,
    warnings,
    ...(set.syscalls ? { syscalls: set.syscalls } : {}),
    ...(set.resident ? { resident: unionEach(set.resident) } : {}),
    ...(set.mapped ? { mapped: unionEach(set.mapped) } : {}),
    ...(set.answeredAfter !== undefined ? { startupEvents: startupCount(set.events, set.events.length - set.parts.reduce((n, p) => n + p.events.length, 0), set.answeredAfter) } : {}),
  };
}

const unionEach = (m: ReadonlyMap<string, Array<[number, number]>>) => new Map([...m].map(([p, r]) => [p, unionRanges(r)]));

/** The main trace's events (the first `mainEvents`, in seq order) up to seq `answeredAfter`. */
function startupCount(events: readonly TraceEvent[], mainEvents: number, answeredAfter: number): number {
  let n = 0;
  while (n < mainEvents && events[n]!.seq <= answeredAfter) n++;
  return n;
}
