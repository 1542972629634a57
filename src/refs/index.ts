// What files of code refer to (imports, commands, sourced files, named paths) and the system
// data sets programs read on demand, resolved inside one filesystem: an image (build) or the
// host (imagebuild).
import type { FileView } from '../elf/index.js';
import { isData, languageOf, MAX_SCAN_BYTES, scan } from './scan/index.js';
import { registryScanner } from './scan/registry.js';
import { isConfig, scanConfig } from './scan/config.js';
import { looksLikePickle, scanPickle } from './scan/pickle.js';
import { scanJar } from './scan/jar.js';
import type { LangHints } from './scan/index.js';
import type { RawRef } from './types.js';

/** How much of a file nothing else names the language of is read to tell it from its lines. */
const SNIFF_BYTES = 4096;

export type { Lang, RawRef, RefKind } from './types.js';
export { languageOf, langOfProgram, scan, sniff, MAX_SCAN_BYTES } from './scan/index.js';
export type { LangHints } from './scan/index.js';
export { fallbackUnneeded, holdsData, hostSourceRefused, libraryDirs, refReason, subtreeLimit, HOST_SYSTEM_DIRS, NAMED_DIR_LIMIT, UNIT_LIMIT } from './policy.js';
export type { HostSourceOptions, RefReason, RefReasonKind } from './policy.js';
export { RefResolver, refResolver, isBroad } from './resolve/index.js';
export type { RefEnv, Resolution, Target } from './resolve/index.js';
export { Fs } from './resolve/context.js';
export { dataSetsFor, normalizeLocale } from './datasets.js';
export type { DataSetContext, DataSetNeed } from './datasets.js';
export { binaryRefs, executablesOnPath, pathRefs } from './binary.js';
export { compiledImports } from './compiled-imports.js';
export type { BinaryContext, BinaryMechanism, BinaryRef } from './binary.js';
export { dataFamilies, FAMILY_LIMIT_BYTES, kindOf } from './families.js';
export type { Family, FamilyEvent, FamilyOptions } from './families.js';
export { isSystemRuntime, launchers } from './binary.js';
export type { ExecEvent } from './binary.js';

const PICKLE_NAME = /\.(pkl|pickle)$/;
const JAR_NAME = /\.(jar|war)$/;
/** The largest jar read for its classes' literals. */
const MAX_JAR_BYTES = 128 << 20;

/**
 * The references of the file at `path` (read through `view`), or undefined when it is not
 * code in a language we read (by `languageOf`: the interpreter that opened it, its `#!`, its
 * name, its content) nor a registry of code (`registryScanner`), or too large to scan.
 */
export function refsOf(view: FileView, path: string, size: number, hints: LangHints = {}): RawRef[] | undefined {
  // a jar: its classes' literals (read from its own directory of entries, bounded there)
  if (JAR_NAME.test(path) && size > 0 && size <= MAX_JAR_BYTES) return scanJar(view.read(path, 0, size));
  if (size > MAX_SCAN_BYTES || size === 0) return undefined;
  const registry = registryScanner(path); // data that names code (Python's entry points)
  if (registry) return registry(view.read(path, 0, size).toString('utf8'));
  // a pickle named as one imports the modules of what it holds when loaded
  if (PICKLE_NAME.test(path)) return scanPickle(view.read(path, 0, size));
  let lang = languageOf(path, hints);
  if (lang === undefined && hints.readByRun && isConfig(path)) {
    const text = view.read(path, 0, size).toString('utf8');
    return text.includes('\0') ? undefined : scanConfig(text);
  }
  if (lang === undefined) {
    // nothing names its language: its first bytes may (read only when the name does not say
    // "data", or the run read it: a pickle the app loaded, whatever its name)
    if (isData(path) && !hints.readByRun) return undefined;
    const first = view.read(path, 0, Math.min(size, SNIFF_BYTES));
    if (hints.readByRun && looksLikePickle(first)) return scanPickle(view.read(path, 0, size));
    if (isData(path)) return undefined;
    const head = first.toString('utf8');
    if (head.includes('\0')) return undefined;
    lang = languageOf(path, hints, head);
    if (lang === undefined) return undefined;
  }
  const text = view.read(path, 0, size).toString('utf8');
  if (text.includes('\0')) return undefined; // binary data with a code-like name
  return scan(lang, text);
}
