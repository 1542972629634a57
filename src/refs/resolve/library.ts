// Shared libraries loaded by name at run time, found the way the loader (or the lookup the
// code calls) finds them: a name with a "/" is a path; a file name is searched in the loader's
// dirs (LD_LIBRARY_PATH, ld.so.conf, the multiarch and default dirs); a bare name given to
// `ctypes.util.find_library` or an FFI library call ("bz2", "libssl") is every `lib<name>.so*`
// there, as `ldconfig -p` lists them. find_library runs `/sbin/ldconfig -p`, which reads
// /etc/ld.so.cache: both are kept with what it finds.
import type { RawRef } from '../types.js';
import { libraryDirs } from '../policy.js';
import { envOf, Fs, join, none, type RefEnv, type Resolution, type Target } from './context.js';

/** The lookups that run ldconfig to search (Python's ctypes.util.find_library). */
const RUNS_LDCONFIG = /find_library/;

export class LibraryResolver {
  private dirs?: string[];
  constructor(private readonly fs: Fs, private readonly env: RefEnv) {}

  resolve(ref: RawRef): Resolution {
    const name = ref.name;
    const found: Target[] = [];
    if (name.includes('/')) {
      const p = join(this.env.workdir, name);
      if (this.fs.isFile(p)) found.push({ path: p });
    } else {
      const bare = !/\.so(\.|$)/.test(name);
      for (const d of this.searchDirs()) {
        if (bare) {
          const stem = name.startsWith('lib') ? name : `lib${name}`;
          const re = new RegExp(`^${stem.replace(/[.+]/g, '\\$&')}\\.so(\\.[\\d.]+)*$`);
          for (const p of this.fs.glob(d, re)) if (this.fs.isFile(p)) found.push({ path: p });
        } else if (this.fs.isFile(join(d, name))) {
          found.push({ path: join(d, name) });
          break; // the loader takes the first
        }
      }
    }
    if (found.length === 0) return none(`no library ${name}`);
    return { targets: [...found, ...(RUNS_LDCONFIG.test(ref.how) ? this.ldconfig() : [])] };
  }

  /** What `ldconfig -p` needs: the program (find_library runs it by its absolute path) and the cache. */
  private ldconfig(): Target[] {
    const out: Target[] = [];
    const prog = ['/sbin/ldconfig', '/usr/sbin/ldconfig'].find((p) => this.fs.isFile(p));
    if (prog) out.push({ path: prog });
    if (this.fs.isFile('/etc/ld.so.cache')) out.push({ path: '/etc/ld.so.cache' });
    return out;
  }

  private searchDirs(): string[] {
    if (this.dirs) return this.dirs;
    const ldLibraryPath = (envOf(this.env.env, 'LD_LIBRARY_PATH') ?? '').split(':').filter(Boolean);
    const multiarch = this.fs.list('/usr/lib').filter((n) => /-linux-/.test(n));
    this.dirs = libraryDirs(ldLibraryPath, this.env.ldSoConfDirs ?? [], multiarch).filter((d) => this.fs.isDir(d));
    return this.dirs;
  }
}
