// Whether this process reaches a container at its own address. When it does, the runs publish
// no ports: a published port costs the engine a proxy process and firewall rules at every
// start and stop (here ~0.1 s a run), and probing the container's own address needs no
// settling anyway.
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { docker, engineEndpoint, engineIsRemote, statusOf } from './docker.js';

const known = new Map<string, Promise<boolean>>();

/**
 * True when the engine runs on this host and a subnet of `network` is directly attached here
 * (the engine's bridge is in our network namespace, so its containers are routed to us). False
 * for a remote engine, a rootless or VM-backed one (its bridge lives elsewhere), the host and
 * none networks, another container's network, or a network the engine cannot show.
 */
export function networkRoutable(network: string | undefined): Promise<boolean> {
  if (engineIsRemote()) return Promise.resolve(false);
  const name = !network || network === 'default' ? 'bridge' : network;
  if (name === 'host' || name === 'none' || name.startsWith('container:')) return Promise.resolve(false);
  const key = `${engineEndpoint()} ${name}`;
  let answer = known.get(key);
  if (!answer) {
    answer = Promise.all([subnetsOf(name), readFile('/proc/net/route', 'utf8')]).then(([subnets, routes]) => routedHere(subnets, routes), () => false);
    known.set(key, answer);
  }
  return answer;
}

async function subnetsOf(name: string): Promise<string[]> {
  const info = await docker()
    .getNetwork(name)
    .inspect()
    .catch((e: unknown) => (statusOf(e) === 404 ? undefined : Promise.reject(e)));
  const configs = ((info as { IPAM?: { Config?: Array<{ Subnet?: string }> } } | undefined)?.IPAM?.Config ?? []);
  return configs.map((c) => c.Subnet ?? '').filter(Boolean);
}

/**
 * True when one of these IPv4 CIDR subnets lies inside a directly attached route of this host's
 * table (/proc/net/route text: no gateway, not the default route). A bridge with no container on
 * it yet is down, so its address is missing from the interface list, while its route is there.
 */
export function routedHere(subnets: readonly string[], routeTable: string, littleEndian = endianness() === 'LE'): boolean {
  const attached = routeTable
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length >= 8 && /^0+$/.test(f[2]!))
    .map((f) => ({ net: hexIpv4(f[1]!, littleEndian), mask: hexIpv4(f[7]!, littleEndian) }))
    .filter((r) => r.mask !== 0);
  return subnets.some((cidr) => {
    const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(cidr);
    const base = m ? ipv4(m[1]!) : undefined;
    const bits = m ? Number(m[2]) : NaN;
    if (base === undefined || !(bits >= 1 && bits <= 32)) return false;
    const mask = bits === 32 ? 0xffffffff : ~(0xffffffff >>> bits) >>> 0;
    // the route covers the whole subnet: its mask is no longer, and the subnet's base is in it
    return attached.some((r) => (r.mask & mask) >>> 0 === r.mask && (base & r.mask) >>> 0 === r.net);
  });
}

/** A 32-bit address as /proc/net/route prints it: the in-memory bytes of the network-order word. */
function hexIpv4(hex: string, littleEndian: boolean): number {
  const n = parseInt(hex, 16) >>> 0;
  if (!littleEndian) return n;
  return (((n & 0xff) << 24) | (((n >>> 8) & 0xff) << 16) | (((n >>> 16) & 0xff) << 8) | (n >>> 24)) >>> 0;
}

function ipv4(text: string): number | undefined {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}
