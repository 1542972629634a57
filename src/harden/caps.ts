// The smallest capability set the app needed, each with its evidence from the trace: the
// syscalls it made, the ports it serves, the file capabilities of binaries it ran. Pure.
import { CAPS, decodeFileCapability } from '../util/capabilities.js';
import type { TraceEvent } from '../trace/index.js';

export interface CapNeed {
  cap: string;
  why: string;
}

export interface CapInput {
  /** The app starts as root (no USER, or uid 0): only then do its capabilities matter at start. */
  root: boolean;
  /** Syscall names the traced tree made. */
  syscalls: ReadonlySet<string>;
  events: readonly TraceEvent[];
  /** TCP ports the app serves (exposed and answered). */
  ports: readonly number[];
  /** security.capability of an image path, when it has one. */
  fileCaps: (path: string) => Buffer | undefined;
}

const SETID = ['setuid', 'setreuid', 'setresuid', 'setfsuid'];
const SETGID = ['setgid', 'setregid', 'setresgid', 'setfsgid', 'setgroups'];
const CHOWN = ['chown', 'fchown', 'lchown', 'fchownat'];

/** Capabilities a security.capability attribute permits. */
export function fileCapNames(v: Buffer): string[] {
  return decodeFileCapability(v)?.permitted ?? [];
}

export function neededCaps(input: CapInput): CapNeed[] {
  const out = new Map<string, string>();
  const add = (cap: string, why: string) => { if (!out.has(cap)) out.set(cap, why); };
  const seen = (names: readonly string[]) => names.find((n) => input.syscalls.has(n));
  // a program with file capabilities gets them from its bounding set, as any user
  for (const e of input.events) {
    if (e.intent !== 'x' || e.result !== '0' || e.syscall === 'interp') continue;
    const v = input.fileCaps(e.path);
    if (v) for (const c of fileCapNames(v)) add(c, `file capability of ${e.path}`);
  }
  if (!input.root) return sorted(out);
  const low = input.ports.filter((p) => p < 1024);
  if (low.length) add('NET_BIND_SERVICE', `serves port ${low.join(', ')} (< 1024)`);
  const uid = seen(SETID);
  if (uid) add('SETUID', `${uid}()`);
  const gid = seen(SETGID);
  if (gid) add('SETGID', `${gid}()`);
  const chown = seen(CHOWN) ?? input.events.find((e) => e.intent === 'w' && e.result === '0' && CHOWN.includes(e.syscall))?.syscall;
  if (chown) add('CHOWN', `${chown}()`);
  // a root process that switches user and then signals its children (nginx' master to its workers)
  if (uid && seen(['kill', 'tgkill', 'tkill'])) add('KILL', `${seen(['kill', 'tgkill', 'tkill'])}() to processes of the user it switched to`);
  if (seen(['chroot'])) add('SYS_CHROOT', 'chroot()');
  if (seen(['mknod', 'mknodat'])) add('MKNOD', 'mknod()');
  return sorted(out);
}

function sorted(m: Map<string, string>): CapNeed[] {
  return [...m].map(([cap, why]) => ({ cap, why })).sort((a, b) => CAPS.indexOf(a.cap) - CAPS.indexOf(b.cap));
}

/** Does USER (as the image or --user says it) start the app as root? */
export function startsAsRoot(user: string | undefined): boolean {
  if (!user) return true;
  const u = user.split(':')[0]!;
  return u === '' || u === '0' || u === 'root';
}
