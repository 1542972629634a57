// Platform strings ("linux/amd64", "linux/arm/v7") and how they match descriptors.
import { UserError } from '../util/errors.js';
import type { Platform } from './types.js';

/** Node's process.arch → OCI architecture. */
const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
/** The kernel's and toolchains' names for architectures people type → OCI's. */
const ARCH_ALIASES: Record<string, string> = { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', i386: '386', i686: '386' };

export function hostPlatform(): Platform {
  return { os: 'linux', architecture: ARCH[process.arch] ?? process.arch };
}

/** "os/arch[/variant]" as a user gives it (any case; x86_64, aarch64... for their OCI names). */
export function parsePlatform(s: string): Platform {
  const parts = s.trim().toLowerCase().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9_-]+$/.test(p))) {
    throw new UserError(`invalid platform "${s}" (expected os/arch[/variant], e.g. linux/amd64)`);
  }
  const [os, arch, variant] = parts as [string, string, string?];
  const architecture = ARCH_ALIASES[arch] ?? arch;
  return variant ? { os, architecture, variant } : { os, architecture };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** arm64's only variant is v8, so "linux/arm64" and "linux/arm64/v8" are the same thing. */
function variantOf(p: Platform): string | undefined {
  if (p.variant) return p.variant;
  return p.architecture === 'arm64' ? 'v8' : undefined;
}

/** Does `have` (a descriptor's or config's platform) satisfy the wanted one? */
export function platformMatches(have: Platform, want: Platform): boolean {
  if (have.os !== want.os || have.architecture !== want.architecture) return false;
  const wv = variantOf(want);
  const hv = variantOf(have);
  return !want.variant || !hv || wv === hv;
}
