import { afterEach, describe, expect, it } from 'vitest';
import { engineHostAddress, engineIsRemote, engineReachable, publishAddress } from '../../src/engine/docker.js';
import { inspectImage } from '../../src/image/engine-config.js';
import { networkRoutable, routedHere } from '../../src/engine/routable.js';
import { UserError } from '../../src/util/errors.js';
import { BASE_IMAGE } from '../helpers/docker.js';

const saved = process.env.DOCKER_HOST;
afterEach(() => {
  if (saved === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = saved;
});

describe('engine', () => {
  it('inspects an image into an OCI-shaped config', async () => {
    const img = await inspectImage(BASE_IMAGE);
    expect(img.id).toMatch(/^sha256:/);
    expect(img.config.os).toBe('linux');
    expect(img.config.config?.Cmd).toEqual(['/bin/bash']);
    expect(img.config.rootfs.diff_ids.length).toBeGreaterThan(0);
  });

  it('an engine that does not answer is a one-line UserError naming DOCKER_HOST', async () => {
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    const err = await engineReachable().catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toBe('no Docker engine answers at unix:///nonexistent/docker.sock (start dockerd or run bin/ensure-engine)');
  });

  it('ports of a tcp:// engine are reached on its host, published on all its addresses', () => {
    process.env.DOCKER_HOST = 'tcp://192.0.2.7:2375';
    expect(engineHostAddress()).toBe('192.0.2.7');
    expect(publishAddress()).toBe('0.0.0.0');
    expect(engineIsRemote()).toBe(true);
    process.env.DOCKER_HOST = 'ssh://me@build.example:22';
    expect(engineHostAddress()).toBe('build.example');
    expect(publishAddress()).toBe('0.0.0.0');
  });

  it('an engine on this machine publishes on the loopback address it is reached at', () => {
    process.env.DOCKER_HOST = 'unix:///var/run/docker.sock';
    expect([engineHostAddress(), publishAddress(), engineIsRemote()]).toEqual(['127.0.0.1', '127.0.0.1', false]);
    // another loopback address: published and probed there only, as a remote engine's would be
    process.env.DOCKER_HOST = 'tcp://127.0.0.2:2375';
    expect([engineHostAddress(), publishAddress(), engineIsRemote()]).toEqual(['127.0.0.2', '127.0.0.2', true]);
    process.env.DOCKER_HOST = 'tcp://localhost:2375';
    expect([engineHostAddress(), publishAddress()]).toEqual(['127.0.0.1', '127.0.0.1']);
    process.env.DOCKER_HOST = 'tcp://[::1]:2375';
    expect([engineHostAddress(), publishAddress()]).toEqual(['127.0.0.1', '127.0.0.1']);
  });
});

// /proc/net/route as this kind of host prints it (little-endian): a default route through a
// gateway, the engine's bridge (172.17.0.0/16, down while no container is on it) and a LAN
const ROUTES = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
`;

describe('networkRoutable', () => {
  it('a subnet inside a directly attached route is reached here; one behind a gateway or a narrower route is not', () => {
    expect(routedHere(['172.17.0.0/16'], ROUTES, true)).toBe(true);
    expect(routedHere(['172.17.5.0/24'], ROUTES, true)).toBe(true);
    expect(routedHere(['192.0.2.0/24'], ROUTES, true)).toBe(true);
    // only the default route leads there: a rootless or VM-backed engine's bridge
    expect(routedHere(['10.88.0.0/16'], ROUTES, true)).toBe(false);
    // the route covers half of it
    expect(routedHere(['172.16.0.0/15'], ROUTES, true)).toBe(false);
    expect(routedHere(['fd00::/64', 'nonsense', '172.17.0.0/33'], ROUTES, true)).toBe(false);
    expect(routedHere([], ROUTES, true)).toBe(false);
    // a big-endian host prints the network-order word as it is
    expect(routedHere(['172.17.0.0/16'], 'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\nbr0\tAC110000\t00000000\t0001\t0\t0\t0\tFFFF0000\n', false)).toBe(true);
  });

  it("this machine's engine: its bridge is reached here, so runs publish nothing; host, none and a remote engine are not", async () => {
    expect(await networkRoutable(undefined)).toBe(true);
    expect(await networkRoutable('bridge')).toBe(true);
    expect(await networkRoutable('host')).toBe(false);
    expect(await networkRoutable('none')).toBe(false);
    expect(await networkRoutable('slimts-no-such-network')).toBe(false);
    process.env.DOCKER_HOST = 'tcp://192.0.2.7:2375';
    expect(await networkRoutable(undefined)).toBe(false);
  });
});
