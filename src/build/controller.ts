// The controller and trace parser as the pipeline uses them (one place to adapt to their API).
import type { PlainRunOptions, RunResult, TracedRunOptions, TracedRunResult, TraceFiles } from '../run/types.js';
import type { TraceLike } from '../select/index.js';

export type TracedRun = TracedRunResult;

export interface TraceSummary {
  events: TraceLike[];
  processes?: number;
  mode?: string;
  complete: boolean;
  warnings: string[];
}

export interface Comparison {
  ok: boolean;
  notes: string[];
}

export async function runTraced(_o: TracedRunOptions): Promise<TracedRunResult> {
  throw new Error('controller not landed');
}
export async function runPlain(_o: PlainRunOptions): Promise<RunResult> {
  throw new Error('controller not landed');
}
export function compareRuns(_a: RunResult, _b: RunResult): Comparison {
  throw new Error('controller not landed');
}
export async function readTraceSet(_f: TraceFiles): Promise<TraceSummary> {
  throw new Error('trace parser not landed');
}
