// ELF facts and library resolution over any filesystem (the host, or an image's layers).
export { parseElf, isElfMagic, EXEC_IMPORTS, DLOPEN_IMPORTS, EM_386, EM_AARCH64, EM_ARM, EM_MIPS, EM_PPC, EM_PPC64, EM_RISCV, EM_S390, EM_X86_64, EM_LOONGARCH } from './parse.js';
export type { ElfInfo, ElfType, ReadAt } from './parse.js';
export { parseShebang, SHEBANG_MAX } from './shebang.js';
export { hostView, indexView } from './view.js';
export type { FileStat, FileView } from './view.js';
export { resolvePath } from './resolve-path.js';
export type { PathStep, ResolvedPath } from './resolve-path.js';
export { ldSoConfFiles, readLdSoConf, readWhole } from './ldconf.js';
export { resolveLibraries, elfAt, defaultLibDirs } from './libraries.js';
export type { FoundVia, LibraryResolution, MissingLibrary, ResolveOptions, ShipFile } from './libraries.js';
export { ociArch, multiarchTriplet, platformName, muslArchFromInterp } from './arch.js';
export { codeTargets, elfStrings, layoutOf, namedBy } from './strings.js';
export type { ElfStrings, Layout, Range } from './strings.js';
