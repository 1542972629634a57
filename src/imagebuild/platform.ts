// The image platform follows the executables: every ELF object must be of one architecture,
// and --platform, when given, must name it.
import { ociArch } from '../elf/index.js';
import type { ElfInfo } from '../elf/index.js';
import { UserError } from '../util/errors.js';
import { hostPlatform } from '../image/platform.js';
import type { Platform } from '../image/types.js';

export function checkPlatform(elves: Array<{ path: string; elf: ElfInfo }>, flag: Platform | undefined): Platform {
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
  if (arch === undefined) return { os: 'linux', architecture: hostPlatform().architecture };
  if (arch.startsWith('elf-machine-')) throw new UserError(`${first}: unknown ELF machine; give --platform`);
  return { os: 'linux', architecture: arch };
}
