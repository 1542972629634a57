// Where the app wrote at run time, as the tmpfs mounts a read-only root needs: each written
// path's directory, mounted empty with the image directory's owner and mode. A directory that
// holds kept image files cannot become a tmpfs (it would hide them): that blocks --read-only.
// Paths under the image's volumes, the run's mounts and the kernel's filesystems stay as they are. Pure.
import type { TraceEvent } from '../trace/index.js';
import { parentPath } from '../util/paths.js';

export interface DirFacts {
  uid: number;
  gid: number;
  mode: number;
}

export interface WritableInput {
  events: readonly TraceEvent[];
  /** Directories already writable under a read-only root: the image's VOLUMEs, the run's mounts. */
  mounted: readonly string[];
  /** An image directory's owner and mode, or undefined when the image has no such directory. */
  dir: (path: string) => DirFacts | undefined;
  /** Does the slim image keep anything (but directories) below this directory? */
  holdsKept: (dir: string) => boolean;
  /** A path with the image's symlinks resolved (/var/run/x.pid → /run/x.pid); default as is. */
  real?: (dir: string) => string;
}

export interface Tmpfs {
  path: string;
  /** docker's --tmpfs options: mode, uid, gid of the image's directory. */
  options: string;
  /** The first write that asked for it. */
  why: string;
}

export interface Writable {
  tmpfs: Tmpfs[];
  /** Writes a read-only root cannot take (a directory with kept files). */
  blockers: string[];
}

// the engine's own mounts: writable (or not ours) whatever the root is
const ENGINE = ['/proc', '/sys', '/dev', '/etc/hosts', '/etc/hostname', '/etc/resolv.conf'];

const under = (p: string, dir: string) => p === dir || p.startsWith(dir === '/' ? '/' : `${dir}/`);

export function writablePaths(input: WritableInput): Writable {
  const dirs = new Map<string, string>();
  const blockers: string[] = [];
  for (const e of input.events) {
    if (e.intent !== 'w' || e.result !== '0') continue;
    for (const named of [e.path, ...(e.path2 && e.syscall.startsWith('rename') ? [e.path2] : [])]) {
      // symlinks followed: /var/log/nginx/error.log → /dev/stderr is the engine's, not the image's
      const p = input.real ? input.real(named) : named;
      if (ENGINE.some((m) => under(p, m)) || input.mounted.some((m) => under(p, m))) continue;
      const d = mountPoint(p, input);
      if (!d) {
        if (!blockers.some((x) => x.startsWith(`${p} `))) blockers.push(`${p} (${e.syscall}): written in /`);
        continue;
      }
      if (input.holdsKept(d)) {
        const b = `${p} (${e.syscall}): ${d} holds image files`;
        if (!blockers.some((x) => x.startsWith(`${p} `))) blockers.push(b);
        continue;
      }
      if (!dirs.has(d)) dirs.set(d, `${e.syscall} ${p}`);
    }
  }
  // a tmpfs inside another one is already writable
  const paths = [...dirs.keys()].sort();
  const top = paths.filter((p) => !paths.some((q) => q !== p && under(p, q)));
  return {
    tmpfs: top.map((path) => ({ path, options: options(input.dir(path)), why: dirs.get(path)! })),
    blockers,
  };
}

/**
 * The directory to mount for a write to `p`: its nearest ancestor the image has (what the
 * app created below it lives in the tmpfs too). Undefined for the root itself.
 */
function mountPoint(p: string, input: WritableInput): string | undefined {
  let d = parentPath(p);
  while (d !== '/' && !input.dir(d)) d = parentPath(d);
  return d === '/' ? undefined : d;
}

function options(f: DirFacts | undefined): string {
  const mode = (f?.mode ?? 0o1777) & 0o7777;
  return `mode=${mode.toString(8).padStart(4, '0')},uid=${f?.uid ?? 0},gid=${f?.gid ?? 0}`;
}
