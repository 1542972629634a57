// Linux capabilities by number: one table for the runs' masks (/proc/PID/status), the
// security.capability file attribute (vfs_cap_data), hardening and xray.

/** Linux capability numbers (capability.h), by docker's name without the CAP_ prefix. */
export const CAPS: readonly string[] = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP',
  'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER',
  'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE',
  'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP',
  'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF',
  'CHECKPOINT_RESTORE',
];

/** Names of the capabilities in a hex mask as /proc/PID/status prints it. */
export function capNames(hex: string): string[] {
  return namesOf(BigInt(`0x${hex || '0'}`));
}

function namesOf(mask: bigint): string[] {
  const out: string[] = [];
  for (let i = 0; mask >> BigInt(i); i++) if ((mask >> BigInt(i)) & 1n) out.push(CAPS[i] ?? String(i));
  return out;
}

export interface FileCapability {
  /** Names (docker's, no CAP_ prefix). */
  permitted: string[];
  inheritable: string[];
  /** The effective bit: permitted capabilities are raised at exec. */
  effective: boolean;
}

/**
 * Decodes a security.capability attribute (struct vfs_cap_data, or vfs_ns_cap_data with its
 * root id after): revision 1 holds one 32-bit word per set, revisions 2 and 3 two.
 */
export function decodeFileCapability(buf: Buffer): FileCapability | undefined {
  if (buf.length < 12) return undefined;
  const magic = buf.readUInt32LE(0);
  const words = (magic & 0xff000000) === 0x01000000 ? 1 : 2;
  const set = (which: 0 | 1): string[] => {
    let mask = 0n;
    for (let w = 0; w < words; w++) {
      const off = 4 + w * 8 + which * 4;
      if (off + 4 <= buf.length) mask |= BigInt(buf.readUInt32LE(off)) << BigInt(32 * w);
    }
    return namesOf(mask);
  };
  return { permitted: set(0), inheritable: set(1), effective: (magic & 1) === 1 };
}
