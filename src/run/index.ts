export type { ContinueAfter, HealthState, PlainRunOptions, ProgressEvent, RunOverrides, RunResult, SensorOptions, TraceFiles, TracedRunOptions, TracedRunResult } from './types.js';
export { runTraced, runPlain, resolveContinueAfter, publishedPorts } from './controller.js';
export { compareRuns, type Regression } from './compare.js';
export { readRunTrace, type RunTrace } from './trace.js';
export { parseMount } from './mounts.js';
export { buildCreateOptions, effectiveCommand, effectiveUser, exposedTcpPorts, healthArgv, RUN_LABEL } from './spec.js';
