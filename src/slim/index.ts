// `slimts build` as a library: the pipeline, its report, and the pure pieces it is made of.
export { build, defaultSensorPath } from './pipeline.js';
export type { BuildOptions, Stage } from './options.js';
export type { BuildReport, KeptFile, VerifyReport } from './report.js';
export { summaryLines, keptFiles } from './report.js';
export { editConfig, hasEdits } from './config-edit.js';
export type { ConfigEdits } from './config-edit.js';
export { defaultSlimTag } from './tag.js';
export { keptEntries, exeEntries, withParents, mergeEntries } from './entries.js';
export { imageFacts } from './facts.js';
export { parseCommand, parseContinueAfter, parseHttpProbeCmd, readHttpProbeFile, readPathsFile } from './flags.js';
