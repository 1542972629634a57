// Decodes a security.capability xattr (struct vfs_cap_data / vfs_ns_cap_data) into names.
const NAMES = [
  'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid',
  'setpcap', 'linux_immutable', 'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw',
  'ipc_lock', 'ipc_owner', 'sys_module', 'sys_rawio', 'sys_chroot', 'sys_ptrace', 'sys_pacct',
  'sys_admin', 'sys_boot', 'sys_nice', 'sys_resource', 'sys_time', 'sys_tty_config', 'mknod',
  'lease', 'audit_write', 'audit_control', 'setfcap', 'mac_override', 'mac_admin', 'syslog',
  'wake_alarm', 'block_suspend', 'audit_read', 'perfmon', 'bpf', 'checkpoint_restore',
];

export interface DecodedCaps {
  permitted: string[];
  inheritable: string[];
  effective: boolean;
}

export function decodeCapability(buf: Buffer): DecodedCaps | undefined {
  if (buf.length < 12) return undefined;
  const magic = buf.readUInt32LE(0);
  const rev = magic & 0xff000000;
  const effective = (magic & 1) === 1;
  const words = rev === 0x01000000 ? 1 : 2; // revision 1 has one 32-bit word per set
  const get = (set: 0 | 1): string[] => {
    const out: string[] = [];
    for (let w = 0; w < words; w++) {
      const off = 4 + w * 8 + set * 4;
      if (off + 4 > buf.length) break;
      const v = buf.readUInt32LE(off);
      for (let b = 0; b < 32; b++) if (v & (1 << b)) out.push(`cap_${NAMES[w * 32 + b] ?? String(w * 32 + b)}`);
    }
    return out;
  };
  return { permitted: get(0), inheritable: get(1), effective };
}
