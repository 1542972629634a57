// ELF facts and library resolution over any filesystem (the host, or an image's layers).
export { parseElf, isElfMagic, EXEC_IMPORTS, DLOPEN_IMPORTS, MODULE_IMPORTS, LOCAL_TIME_SYMBOLS, EM_386, EM_AARCH64, EM_ARM, EM_MIPS, EM_PPC, EM_PPC64, EM_RISCV, EM_S390, EM_X86_64, EM_LOONGARCH } from './parse.js';
export type { ElfInfo, ElfType, ReadAt } from './parse.js';
export { exportedNames } from './parse.js';
export { parseShebang, SHEBANG_MAX } from './shebang.js';
// The file views and path resolution ELF works over live on the image floor (src/image); offered here too.
export { hostView, indexView } from '../image/view.js';
export type { FileStat, FileView } from '../image/view.js';
export { resolvePath } from '../image/resolve-path.js';
export { expandGlob } from '../image/glob.js';
export type { PathStep, ResolvedPath } from '../image/resolve-path.js';
export { ldSoConfFiles, readLdSoConf, readWhole } from './ldconf.js';
export { resolveLibraries, elfAt, defaultLibDirs } from './libraries.js';
export type { FoundVia, LibraryResolution, MissingLibrary, ResolveOptions, ShipFile } from './libraries.js';
export { ociArch, multiarchTriplet, platformName, muslArchFromInterp } from './arch.js';
export { codeTargets, elfStrings, layoutOf, namedBy } from './strings.js';
export type { ElfStrings, Layout, Range } from './strings.js';
