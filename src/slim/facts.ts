// File facts for the selector, computed lazily from the image's bytes: ELF dependencies and
// "#!" lines; an ELF file's string literals on demand. Only the first bytes of each kept file are
// read at first (the ELF parser seeks).
import type { FsEntry, FsIndex } from '../image/types.js';
import { namedBy, parseElf, parseShebang, isElfMagic, SHEBANG_MAX } from '../elf/index.js';
import type { ElfInfo, ElfStrings, ReadAt } from '../elf/index.js';
import type { FileFacts } from '../select/index.js';

export type ReadContent = (entry: FsEntry, offset: number, length: number) => Buffer;

export function imageFacts(index: FsIndex, read: ReadContent): (path: string) => FileFacts | undefined {
  const cache = new Map<string, FileFacts | undefined>();
  return (path) => {
    if (cache.has(path)) return cache.get(path);
    const f = compute(path);
    cache.set(path, f);
    return f;
  };

  function compute(path: string): FileFacts | undefined {
    const e = index.get(path);
    if (!e || (e.type !== 'file' && e.type !== 'hardlink')) return undefined;
    const size = e.content?.size ?? e.size;
    if (size < 4) return {};
    const at = (off: number, len: number): Buffer => {
      if (off >= size) return Buffer.alloc(0);
      return read(e, off, Math.min(len, size - off));
    };
    const head = at(0, Math.min(size, SHEBANG_MAX));
    if (isElfMagic(head)) {
      const elf = parseElf(at, size);
      return elf ? withStrings(elf, at, size) : {};
    }
    const sb = parseShebang(head);
    return sb ? { shebang: sb } : {};
  }
}

/**
 * ELF facts whose `strings` are read from the file's read-only data when asked (the selector
 * asks once, only for kept ELF files, and not at all with references off). Not kept after: the
 * facts of every file stay cached for the whole select, and a large library's strings would
 * stay with them.
 */
export function withStrings(elf: ElfInfo, read: ReadAt, size: number): FileFacts {
  return {
    elf,
    get strings(): ElfStrings {
      return namedBy(read, size);
    },
  };
}
