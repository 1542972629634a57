// What files of code refer to (imports, commands, sourced files, named paths) and the system
// data sets programs read on demand, resolved inside one filesystem: an image (build) or the
// host (imagebuild).
import type { FileView } from '../elf/index.js';
import { languageOf, MAX_SCAN_BYTES, scan } from './scan/index.js';
import type { RawRef } from './types.js';

export type { Lang, RawRef, RefKind } from './types.js';
export { languageOf, langOfProgram, scan, MAX_SCAN_BYTES } from './scan/index.js';
export { RefResolver, refResolver, isBroad } from './resolve/index.js';
export type { RefEnv, Resolution, Target } from './resolve/index.js';
export { Fs } from './resolve/context.js';
export { dataSetsFor, normalizeLocale } from './datasets.js';
export type { DataSetContext, DataSetNeed } from './datasets.js';
export { binaryRefs, executablesOnPath, pathRefs } from './binary.js';
export type { BinaryContext, BinaryMechanism, BinaryRef } from './binary.js';
export { dataFamilies, FAMILY_LIMIT_BYTES, kindOf } from './families.js';
export type { Family, FamilyEvent, FamilyOptions } from './families.js';

/**
 * The references of the file at `path` (read through `view`), or undefined when it is not
 * code in a language we read, or too large to scan.
 */
export function refsOf(view: FileView, path: string, size: number, shebang?: { interpreter: string; arg?: string }): RawRef[] | undefined {
  const lang = languageOf(path, shebang);
  if (!lang || size > MAX_SCAN_BYTES) return undefined;
  const text = view.read(path, 0, size).toString('utf8');
  if (text.includes('\0')) return undefined; // binary data with a code-like name
  return scan(lang, text);
}
