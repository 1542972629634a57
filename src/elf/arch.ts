// Mapping between ELF machines, OCI/Go architecture names and Debian multiarch triplets.
import { EM_386, EM_AARCH64, EM_ARM, EM_LOONGARCH, EM_MIPS, EM_PPC, EM_PPC64, EM_RISCV, EM_S390, EM_X86_64 } from './parse.js';
import type { ElfInfo } from './parse.js';

type ArchFacts = Pick<ElfInfo, 'machine' | 'class' | 'endian'>;

/** OCI architecture name ("amd64", "arm64"...) of an ELF, or undefined when unknown. */
export function ociArch(e: ArchFacts): string | undefined {
  switch (e.machine) {
    case EM_X86_64:
      return 'amd64';
    case EM_AARCH64:
      return 'arm64';
    case EM_386:
      return '386';
    case EM_ARM:
      return 'arm';
    case EM_PPC64:
      return e.endian === 'le' ? 'ppc64le' : 'ppc64';
    case EM_PPC:
      return 'ppc';
    case EM_S390:
      return e.class === 64 ? 's390x' : 's390';
    case EM_RISCV:
      return e.class === 64 ? 'riscv64' : 'riscv';
    case EM_LOONGARCH:
      return 'loong64';
    case EM_MIPS:
      return (e.class === 64 ? 'mips64' : 'mips') + (e.endian === 'le' ? 'le' : '');
    default:
      return undefined;
  }
}

/** Debian multiarch triplet directories are named after; undefined when unknown. */
export function multiarchTriplet(e: ArchFacts): string | undefined {
  switch (e.machine) {
    case EM_X86_64:
      return e.class === 64 ? 'x86_64-linux-gnu' : 'x86_64-linux-gnux32';
    case EM_AARCH64:
      return 'aarch64-linux-gnu';
    case EM_386:
      return 'i386-linux-gnu';
    case EM_ARM:
      return 'arm-linux-gnueabihf';
    case EM_PPC64:
      return e.endian === 'le' ? 'powerpc64le-linux-gnu' : 'powerpc64-linux-gnu';
    case EM_S390:
      return 's390x-linux-gnu';
    case EM_RISCV:
      return 'riscv64-linux-gnu';
    case EM_LOONGARCH:
      return 'loongarch64-linux-gnu';
    case EM_MIPS:
      return e.class === 64 ? 'mips64el-linux-gnuabi64' : e.endian === 'le' ? 'mipsel-linux-gnu' : 'mips-linux-gnu';
    default:
      return undefined;
  }
}

/** The value glibc substitutes for $PLATFORM (AT_PLATFORM), best guess per machine. */
export function platformName(e: ArchFacts): string {
  switch (e.machine) {
    case EM_X86_64:
      return 'x86_64';
    case EM_AARCH64:
      return 'aarch64';
    case EM_386:
      return 'i686';
    case EM_ARM:
      return 'v7l';
    case EM_PPC64:
      return e.endian === 'le' ? 'powerpc64le' : 'powerpc64';
    case EM_S390:
      return 's390x';
    case EM_RISCV:
      return 'riscv64';
    default:
      return 'unknown';
  }
}

/** musl's ARCH in /etc/ld-musl-ARCH.path, taken from the interpreter name "ld-musl-ARCH.so.1". */
export function muslArchFromInterp(interp: string): string | undefined {
  const m = /(?:^|\/)ld-musl-([^/]+)\.so\.1$/.exec(interp);
  return m?.[1];
}
