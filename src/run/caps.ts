// Capabilities of the runs. The traced container needs a few more than the app may have (to
// trace, filter, switch user, forward signals); the sensor drops them again before the app's
// exec, so the app gets exactly what a plain `docker run` with the same --cap-add/--cap-drop
// gives it. Docker's rules (moby oci/caps TweakCapabilities) are modelled here, pure.
import { CAPS, capNames } from '../util/capabilities.js';
import { UserError } from '../util/errors.js';

/** Docker's default set (moby oci/caps/defaults.go, unchanged since 1.x). */
const ENGINE_DEFAULTS = new Set([
  'CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID', 'SETFCAP', 'SETPCAP',
  'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE',
]);

/**
 * What the sensor needs in the container: trace (SYS_PTRACE), install its filter without
 * no_new_privs and hide its dir (SYS_ADMIN), narrow the app's bounding set (SETPCAP), switch to
 * the app's user (SETUID, SETGID), forward signals to it (KILL), read what it runs
 * (DAC_OVERRIDE, DAC_READ_SEARCH).
 */
export const SENSOR_CAPS: readonly string[] = ['SYS_PTRACE', 'SYS_ADMIN', 'SETPCAP', 'SETUID', 'SETGID', 'KILL', 'DAC_OVERRIDE', 'DAC_READ_SEARCH'];

/** Docker's spelling rules: any case, optional CAP_ prefix, or ALL. */
export function normalizeCap(name: string, flag: string): string {
  const n = name.trim().toUpperCase().replace(/^CAP_/, '');
  if (n === 'ALL' || CAPS.includes(n)) return n;
  throw new UserError(`${flag}: unknown capability "${name}"`);
}

export interface CapOverrides {
  capAdd?: string[];
  capDrop?: string[];
}

/** Does a plain run with these overrides have `cap`? (moby's TweakCapabilities) */
export function plainHas(cap: string, o: CapOverrides): boolean {
  const add = o.capAdd ?? [];
  const drop = o.capDrop ?? [];
  if (add.includes('ALL')) return !drop.includes(cap);
  if (drop.includes('ALL')) return add.includes(cap);
  return (ENGINE_DEFAULTS.has(cap) && !drop.includes(cap)) || add.includes(cap);
}

export interface TracedCaps {
  capAdd: string[];
  capDrop: string[];
  /** Hex mask of the capabilities the sensor takes from the app (its extras the plain run lacks). */
  appDrop: string;
}

/**
 * The traced container gets the plain run's set plus SENSOR_CAPS: the user's adds plus ours,
 * the user's drops minus ours (ALL stays ALL: docker then keeps only the adds). The sensor
 * drops from the app exactly those of ours the plain run would not have.
 */
export function tracedCaps(o: CapOverrides): TracedCaps {
  const capAdd = [...new Set([...(o.capAdd ?? []), ...SENSOR_CAPS])];
  const capDrop = (o.capDrop ?? []).filter((c) => !SENSOR_CAPS.includes(c));
  let mask = 0n;
  for (const c of SENSOR_CAPS) if (!plainHas(c, o)) mask |= 1n << BigInt(CAPS.indexOf(c));
  return { capAdd, capDrop, appDrop: mask.toString(16) };
}

/** The app's privileges as the sensor recorded them right after its first exec. */
export interface AppPrivileges {
  /** Hex masks exactly as /proc/PID/status prints them. */
  inheritable: string;
  permitted: string;
  effective: string;
  bounding: string;
  ambient: string;
  /** The effective set by name. */
  effectiveNames: string[];
  noNewPrivs: boolean;
  /** 0 none, 1 strict, 2 filter (the engine's profile and the sensor's). */
  seccomp: number;
  /** The sensor's dir (trace included) was covered in the app's mount namespace. */
  traceHidden: boolean;
}

/** Parses the sensor's app.caps file (status lines plus TraceHidden). */
export function parseAppPrivileges(text: string): AppPrivileges | undefined {
  const f = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(\w+):\s*(\S+)/.exec(line);
    if (m) f.set(m[1]!, m[2]!);
  }
  const need = ['CapInh', 'CapPrm', 'CapEff', 'CapBnd'];
  if (!need.every((k) => /^[0-9a-f]{1,16}$/.test(f.get(k) ?? ''))) return undefined;
  return {
    inheritable: f.get('CapInh')!,
    permitted: f.get('CapPrm')!,
    effective: f.get('CapEff')!,
    bounding: f.get('CapBnd')!,
    ambient: f.get('CapAmb') ?? '0000000000000000',
    effectiveNames: capNames(f.get('CapEff')!),
    noNewPrivs: f.get('NoNewPrivs') === '1',
    seccomp: Number(f.get('Seccomp') ?? 0),
    traceHidden: f.get('TraceHidden') === 'yes',
  };
}
