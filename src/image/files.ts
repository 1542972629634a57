// An image's files as the build reads them: the merged index, small synchronous reads for
// facts (ELF headers, "#!" lines, references) and streams of the kept bytes. Two readers
// give it: the layer reader (src/image/fsindex.ts over an Image) and the engine-side walk
// (src/image/engine-walk.ts).
import type { Readable } from 'node:stream';
import { buildIndex, openContent, readContentSync } from './fsindex.js';
import type { FsEntry, FsIndex, Image, ImageConfig } from './types.js';

export interface ImageFiles {
  readonly index: FsIndex;
  /** The image config as the output starts from it. */
  readonly config: ImageConfig;
  /** Up to `length` bytes at `offset` of a file's (or hardlink's) content; fewer at the end. */
  read(entry: FsEntry, offset: number, length: number): Buffer;
  /** The whole content of a file or hardlink. */
  open(entry: FsEntry): Promise<Readable>;
  /** Says which entries open() will be asked for, in that order (lets a reader stream them as one). */
  plan(entries: readonly FsEntry[]): void;
  /**
   * Says which paths facts are likely to read (the traced ones): a reader may fetch them ahead,
   * in one batch. `whole`: their whole contents will be read (a kept ELF file's strings).
   */
  prefetch(paths: Iterable<string>, opts?: { whole?: boolean }): void;
  close(): Promise<void>;
}

/** The layer reader's files: the image's layers, indexed. */
export async function layerFiles(image: Image): Promise<ImageFiles> {
  const index = await buildIndex(image);
  return {
    index,
    config: image.config,
    read: (e, off, len) => readContentSync(image, e, off, len),
    open: (e) => openContent(image, e),
    plan: () => undefined,
    prefetch: () => undefined,
    close: () => image.close(),
  };
}
