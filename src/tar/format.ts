// What the reader and the writer agree on: the block size, typeflags and the limits that
// keep an untrusted archive from making a reader loop, allocate or write without bound.
import type { EntryType } from './entry.js';

export const BLOCK = 512;
/** Two zero blocks: the end-of-archive marker, and a source of padding. */
export const ZEROS = Buffer.alloc(2 * BLOCK);

/** A malformed archive; readers turn it into a one-line UserError naming the source. */
export class TarFormatError extends Error {}

/** The size of `size` bytes of content rounded up to whole blocks. */
export function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

/** Bytes of zero padding that follow `size` bytes of content. */
export function padding(size: number): number {
  return padded(size) - size;
}

export const TYPEFLAG: Record<EntryType, string> = {
  file: '0', hardlink: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6',
};

export const LIMITS = {
  /** A member bigger than this is not a real file but a lie in the header (1 TiB). */
  memberSize: 2 ** 40,
  /** PAX and GNU long-name records are a few hundred bytes; refuse absurd ones. */
  extensionSize: 4 << 20,
  /** Names and link targets (Linux PATH_MAX is 4096; leave room for prefixes). */
  nameLength: 16 << 10,
};
