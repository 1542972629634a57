// Where the dynamic loader finds a DT_NEEDED name, searched in the image's own tree:
// DT_RPATH (when no DT_RUNPATH), LD_LIBRARY_PATH, DT_RUNPATH, ld.so.conf dirs, system dirs.
import type { ElfFacts, FileFacts } from './types.js';
import type { FsIndex } from '../image/types.js';
import { dirname, joinPath, resolvePath } from './paths.js';

const MULTIARCH: Record<number, string> = {
  62: 'x86_64-linux-gnu', 183: 'aarch64-linux-gnu', 3: 'i386-linux-gnu', 40: 'arm-linux-gnueabihf',
  243: 'riscv64-linux-gnu', 21: 'powerpc64le-linux-gnu', 22: 's390x-linux-gnu',
};

function is64(elf: ElfFacts): boolean {
  return elf.class === 2 || elf.class === 64;
}

/** The loader's built-in trusted dirs (glibc on a multiarch distro, plus lib64 for 64-bit). */
export function systemDirs(elf: ElfFacts): string[] {
  const ma = MULTIARCH[elf.machine];
  const dirs: string[] = [];
  if (ma) dirs.push(`/lib/${ma}`, `/usr/lib/${ma}`);
  if (is64(elf)) dirs.push('/lib64', '/usr/lib64');
  dirs.push('/lib', '/usr/lib');
  return dirs;
}

function expandOrigin(dir: string, origin: string, elf: ElfFacts): string {
  return dir
    .replace(/\$\{?ORIGIN\}?/g, origin)
    .replace(/\$\{?LIB\}?/g, is64(elf) ? 'lib64' : 'lib')
    .replace(/\$\{?PLATFORM\}?/g, elf.machine === 62 ? 'x86_64' : elf.machine === 183 ? 'aarch64' : '');
}

/**
 * Finds the file the loader would map for `name` needed by `obj` (a resolved path).
 * Returns the path as searched (so symlinks on the way can be kept), or undefined.
 */
export function findLibrary(
  index: FsIndex,
  name: string,
  obj: string,
  elf: ElfFacts,
  facts: (p: string) => FileFacts | undefined,
  ldLibraryPath: string | undefined,
  confDirs: readonly string[],
): string | undefined {
  const origin = dirname(obj);
  if (name.includes('/')) return joinPath(origin, name);
  const dirs: string[] = [];
  if (elf.runpath.length === 0) dirs.push(...elf.rpath);
  if (ldLibraryPath) dirs.push(...ldLibraryPath.split(/[:;]/));
  dirs.push(...elf.runpath, ...confDirs, ...systemDirs(elf));
  const seen = new Set<string>();
  for (const raw of dirs) {
    if (raw === '') continue;
    const dir = joinPath(origin, expandOrigin(raw, origin, elf));
    if (seen.has(dir)) continue;
    seen.add(dir);
    const cand = joinPath(dir, name);
    const real = resolvePath(index, cand);
    if (!real) continue;
    const e = index.get(real);
    if (!e || (e.type !== 'file' && e.type !== 'hardlink')) continue;
    const f = facts(real);
    if (f && !f.elf) continue; // not an ELF: the loader skips it
    if (f?.elf && (f.elf.class !== elf.class || f.elf.machine !== elf.machine)) continue; // wrong arch
    return cand;
  }
  return undefined;
}
