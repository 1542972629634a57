// The one tar module: reading (ustar/v7/GNU/PAX, checked against LIMITS), sources, member
// shapes and names, and the header writer.
export { BLOCK, LIMITS, TarFormatError, TYPEFLAG, ZEROS, padded, padding } from './format.js';
export { iterateTar, type TarSource } from './read.js';
export { ChunkSource, FileSource } from './sources.js';
export { normalizePath, toTarEntry, type EntryType, type RawEntry, type TarEntry } from './entry.js';
export { encodeHeader, tarOf, type TarHeader } from './write.js';
export { boundedInflate } from './inflate.js';
