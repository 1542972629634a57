// The controller and trace parser as the pipeline uses them (one place to adapt to their API).
import { runTraced, runPlain, compareRuns as compare } from '../run/index.js';
import type { RunResult, TraceFiles, TracedRunResult } from '../run/types.js';
import { readTraceSet as readSet } from '../trace/index.js';
import type { TraceEvent } from '../trace/index.js';

export { runTraced, runPlain };
export type TracedRun = TracedRunResult;

export interface TraceSummary {
  events: TraceEvent[];
  processes?: number;
  mode?: string;
  complete: boolean;
  warnings: string[];
}

export interface Comparison {
  ok: boolean;
  notes: string[];
}

export function compareRuns(original: RunResult, slim: RunResult): Comparison {
  const regressions = compare(original, slim);
  return { ok: regressions.length === 0, notes: regressions.map((r) => `${r.target}: ${r.message}`) };
}

/** The main trace plus the exec helper's parts; a trace the sensor could not finish is a warning. */
export function readTraceSet(files: TraceFiles): TraceSummary {
  const warnings: string[] = [];
  if (!files.main) {
    if (files.partial.length === 0) throw new Error('the traced run left no trace (did the sensor start?)');
    warnings.push('the sensor did not finish its trace; using what it wrote');
  }
  const main = files.main ?? files.partial.find((p) => p.endsWith('.tmp'))?.replace(/\.tmp$/, '') ?? files.partial[0]!;
  const set = readSet(main);
  if (set.summary && set.summary.dropped > 0) warnings.push(`the sensor dropped ${set.summary.dropped} events`);
  return {
    events: set.events,
    processes: set.summary?.processes,
    mode: set.summary?.mode ?? set.header?.mode,
    complete: set.complete && files.complete,
    warnings,
  };
}
