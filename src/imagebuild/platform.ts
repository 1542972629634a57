// The image platform follows the executables: every ELF object must be of one architecture,
// and --platform, when given, must name it.
import { ociArch } from '../elf/index.js';
import type { ElfInfo } from '../elf/index.js';
import { UserError } from '../util/errors.js';
import type { PlatformSpec } from './config-flags.js';

export function checkPlatform(elves: Array<{ path: string; elf: ElfInfo }>, flag: PlatformSpec | undefined): PlatformSpec {
  let arch: string | undefined;
  let first: string | undefined;
  for (const { path, elf } of elves) {
    const a = ociArch(elf) ?? `elf-machine-${elf.machine}`;
    if (arch === undefined) {
      arch = a;
      first = path;
    } else if (a !== arch) {
      throw new UserError(`mixed architectures: ${first} is ${arch} but ${path} is ${a}`);
    }
    if (flag && a !== flag.architecture) {
      throw new UserError(`--platform ${flag.os}/${flag.architecture}: ${path} is built for ${a}`);
    }
  }
  if (flag) return flag;
  if (arch === undefined) return { os: 'linux', architecture: hostArch() };
  if (arch.startsWith('elf-machine-')) throw new UserError(`${first}: unknown ELF machine; give --platform`);
  return { os: 'linux', architecture: arch };
}

export function formatPlatform(p: PlatformSpec): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

function hostArch(): string {
  const m: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return m[process.arch] ?? process.arch;
}
