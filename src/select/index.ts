// The keep-set selector: which entries of an image a slim image needs, and why.
export { select, selectKeep, isLibraryCode } from './select.js';
export { explain, formatReason } from './reasons.js';
export { compileGlobs, globToRegExp } from './glob.js';
export { lookPath, normalize, joinPath, envValue, DEFAULT_PATH } from './paths.js';
export type * from './types.js';
