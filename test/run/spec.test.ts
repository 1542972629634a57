// The container-create request, without an engine.
import { describe, expect, it } from 'vitest';
import type { ContainerConfig } from '../../src/image/types.js';
import { compareRuns } from '../../src/run/compare.js';
import { resolveContinueAfter } from '../../src/run/controller.js';
import { parseMount } from '../../src/run/mounts.js';
import { normalizeCap, parseAppPrivileges, plainHas, SENSOR_CAPS, tracedCaps } from '../../src/run/caps.js';
import { CAPS, capNames } from '../../src/util/capabilities.js';
import { buildCreateOptions, effectiveCommand } from '../../src/run/spec.js';
import type { RunResult } from '../../src/run/types.js';
import { UserError } from '../../src/util/errors.js';

const cfg: ContainerConfig = {
  User: 'app',
  Entrypoint: ['/entry.sh'],
  Cmd: ['serve', '--port', '80'],
  ExposedPorts: { '80/tcp': {}, '53/udp': {}, '443': {} },
  StopSignal: 'SIGQUIT',
  Healthcheck: { Test: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'], Interval: 5e9, Retries: 3 },
};

describe('buildCreateOptions', () => {
  it('publishes no port without a publish address (the container is reached at its own)', () => {
    const o = buildCreateOptions({ image: 'img', config: cfg });
    expect(o.HostConfig?.PortBindings).toEqual({});
    expect(o.ExposedPorts).toEqual({ '80/tcp': {}, '443/tcp': {} });
  });

  it('wraps the app in the sensor as root with the sensor\'s capabilities, which the app does not get', () => {
    const o = buildCreateOptions({ image: 'img', config: cfg, sensor: {}, publishIp: '127.0.0.1' });
    // SYS_PTRACE (19), SYS_ADMIN (21) and DAC_READ_SEARCH (2) are no defaults: 0x280004
    expect(o.Entrypoint).toEqual([
      '/.slimts/slimts-sensor', '--user', 'app', '--app-drop-caps', '280004', '--hide', '/.slimts',
      '--ready', '/.slimts/ready', '--caps-out', '/.slimts/app.caps', '--ports-out', '/.slimts/ports', '--watch-stdin', '--trace', '/.slimts/trace', '--',
      '/entry.sh', 'serve', '--port', '80',
    ]);
    expect(o.Cmd).toEqual([]);
    expect(o.User).toBe('0:0');
    expect(o.HostConfig?.CapAdd).toEqual([...SENSOR_CAPS]);
    expect(o.HostConfig?.CapDrop).toBeUndefined();
    expect(o.HostConfig?.Privileged).toBeUndefined();
    expect(o.HostConfig?.SecurityOpt).toBeUndefined();
    expect(o.HostConfig?.Binds).toBeUndefined();
    expect(o.Labels).toEqual({ 'io.slimts.run': '1' });
    expect(o.HostConfig?.PortBindings).toEqual({ '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }], '443/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
    expect(o.OpenStdin).toBe(true); // the sensor's liveness channel
    expect(o.StdinOnce).toBe(true);
  });

  it('runs the health check under the sensor in append mode', () => {
    const o = buildCreateOptions({ image: 'img', config: cfg, sensor: {}, publishIp: '127.0.0.1' });
    expect(o.Healthcheck).toEqual({
      Test: ['CMD', '/.slimts/slimts-sensor', '--user', 'app', '--app-drop-caps', '280004', '--hide', '/.slimts', '--trace', '/.slimts/trace', '--append', '--', '/bin/sh', '-c', 'curl -f http://localhost/ || exit 1'],
      Interval: 5e9,
      Retries: 3,
    });
  });

  it('a plain run keeps the image user and health check and adds no capabilities', () => {
    const o = buildCreateOptions({ image: 'img', config: cfg, publishIp: '127.0.0.1' });
    expect(o.Entrypoint).toEqual(['/entry.sh']);
    expect(o.Cmd).toEqual(['serve', '--port', '80']);
    expect(o.User).toBe('app');
    expect(o.Healthcheck).toBeUndefined();
    expect(o.HostConfig?.CapAdd).toBeUndefined();
    expect(o.OpenStdin).toBe(false);
    const c = buildCreateOptions({ image: 'img', config: cfg, overrides: { capAdd: ['NET_ADMIN'], capDrop: ['ALL'] }, publishIp: '127.0.0.1' });
    expect([c.HostConfig?.CapAdd, c.HostConfig?.CapDrop]).toEqual([['NET_ADMIN'], ['ALL']]);
  });

  it('applies run-only overrides with docker semantics', () => {
    expect(effectiveCommand(cfg, { entrypoint: ['/bin/sh'] })).toEqual(['/bin/sh']); // entrypoint drops CMD
    expect(effectiveCommand(cfg, { entrypoint: ['/bin/sh'], cmd: ['-c', 'x'] })).toEqual(['/bin/sh', '-c', 'x']);
    expect(effectiveCommand(cfg, { cmd: ['x'] })).toEqual(['/entry.sh', 'x']);
    expect(() => effectiveCommand({})).toThrow(UserError);
    const o = buildCreateOptions({
      image: 'img',
      config: cfg,
      overrides: { user: '1000:1000', env: ['A=1'], workdir: '/w', mounts: ['type=tmpfs,dst=/tmp'], network: 'host' },
      sensor: { fanotify: true },
      publishIp: '127.0.0.1',
      labels: { x: 'y' },
    });
    expect(o.Entrypoint?.slice(0, 4)).toEqual(['/.slimts/slimts-sensor', '--fanotify', '--user', '1000:1000']);
    expect(o.Env).toEqual(['A=1']);
    expect(o.WorkingDir).toBe('/w');
    expect(o.HostConfig?.Mounts).toEqual([{ Type: 'tmpfs', Source: '', Target: '/tmp', ReadOnly: false }]);
    expect(o.HostConfig?.NetworkMode).toBe('host');
    expect(o.HostConfig?.PortBindings).toEqual({});
    expect(o.Labels).toEqual({ x: 'y', 'io.slimts.run': '1' });
  });

  it('parses --mount', () => {
    expect(parseMount('type=volume,src=data,dst=/data,readonly')).toEqual({ Type: 'volume', Source: 'data', Target: '/data', ReadOnly: true });
    expect(parseMount('type=bind,source=/h,target=/c')).toEqual({ Type: 'bind', Source: '/h', Target: '/c', ReadOnly: false });
    expect(() => parseMount('type=nfs,dst=/x')).toThrow(UserError);
    expect(() => parseMount('type=volume')).toThrow(/dst=/);
  });
});

describe('resolveContinueAfter', () => {
  it('defaults to probe with ports, exit without; enter never without a TTY', () => {
    expect(resolveContinueAfter(cfg)).toEqual({ mode: 'probe' });
    expect(resolveContinueAfter({})).toEqual({ mode: 'exit' });
    const warnings: string[] = [];
    expect(resolveContinueAfter({}, { mode: 'enter' }, (m) => warnings.push(m))).toEqual({ mode: 'exit' }); // vitest: no TTY
    expect(warnings[0]).toMatch(/interactive terminal/);
  });
});

describe('compareRuns', () => {
  const run = (over: Partial<RunResult>): RunResult => ({ containerId: 'x', exitCode: 0, exitedByItself: false, killed: false, stdout: '', stderr: '', probes: [], ports: [], warnings: [], durationMs: 0, ...over });
  it('reports probes that stopped working or changed, exit code, stdout and health', () => {
    const a = run({
      probes: [
        { kind: 'http', target: 'GET /', ok: true, status: 200, ms: 1 },
        { kind: 'http', target: 'GET /s.css', ok: true, status: 200, static: true, bodyHash: 'a', ms: 1 },
        { kind: 'http', target: 'GET /api', ok: true, status: 200, bodyHash: 'a', ms: 1 },
        { kind: 'http', target: 'GET /was-broken', ok: false, status: 500, ms: 1 },
        { kind: 'exec', target: 'exec:ls', ok: true, status: 0, ms: 1 },
      ],
      health: { status: 'healthy' },
    });
    const b = run({
      probes: [
        { kind: 'http', target: 'GET /', ok: true, status: 404, ms: 1 },
        { kind: 'http', target: 'GET /s.css', ok: true, status: 200, static: true, bodyHash: 'b', ms: 1 },
        { kind: 'http', target: 'GET /api', ok: true, status: 200, bodyHash: 'b', ms: 1 },
        { kind: 'http', target: 'GET /was-broken', ok: false, status: 500, ms: 1 },
        { kind: 'exec', target: 'exec:ls', ok: false, status: 127, error: 'ls: not found', ms: 1 },
      ],
      health: { status: 'unhealthy', lastOutput: 'curl: not found' },
    });
    expect(compareRuns(a, b).map((r) => r.target)).toEqual(['GET /', 'GET /s.css', 'exec:ls', 'health']);
    expect(compareRuns(a, a)).toEqual([]);
    const exitA = run({ exitedByItself: true, stdout: 'sum: 75\n' });
    const exitB = run({ exitedByItself: true, exitCode: 127, stdout: '' });
    expect(compareRuns(exitA, exitB).map((r) => r.target)).toEqual(['exit-code', 'stdout']);
  });
});

describe('demux', () => {
  it('splits engine log frames into stdout and stderr', async () => {
    const { demux } = await import('../../src/run/logs.js');
    const frame = (kind: number, s: string) => Buffer.concat([Buffer.from([kind, 0, 0, 0, 0, 0, 0, s.length]), Buffer.from(s)]);
    expect(demux(Buffer.concat([frame(1, 'a\n'), frame(2, 'e\n'), frame(1, 'b\n')]))).toEqual({ stdout: 'a\nb\n', stderr: 'e\n' });
    expect(demux(Buffer.from('plain text'))).toEqual({ stdout: 'plain text', stderr: '' });
  });
});

describe('capabilities (docker\'s rules)', () => {
  const mask = (names: string[]) => names.reduce((m, n) => m | (1n << BigInt(CAPS.indexOf(n))), 0n).toString(16);

  it('normalizes names as docker does and rejects unknown ones', () => {
    expect(normalizeCap('cap_net_admin', '--cap-add')).toBe('NET_ADMIN');
    expect(normalizeCap('all', '--cap-drop')).toBe('ALL');
    expect(() => normalizeCap('NET_ADMINX', '--cap-add')).toThrow(/--cap-add: unknown capability "NET_ADMINX"/);
  });

  it('the plain run: defaults, adds, drops, ALL', () => {
    expect(plainHas('CHOWN', {})).toBe(true);
    expect(plainHas('SYS_ADMIN', {})).toBe(false);
    expect(plainHas('CHOWN', { capDrop: ['CHOWN'] })).toBe(false);
    expect(plainHas('SYS_ADMIN', { capAdd: ['ALL'], capDrop: ['SYS_ADMIN'] })).toBe(false);
    expect(plainHas('SYS_PTRACE', { capAdd: ['ALL'] })).toBe(true);
    expect(plainHas('KILL', { capDrop: ['ALL'] })).toBe(false);
    expect(plainHas('KILL', { capDrop: ['ALL'], capAdd: ['KILL'] })).toBe(true);
  });

  it('the traced container has the plain set plus the sensor\'s; the app loses exactly those the plain run lacks', () => {
    expect(tracedCaps({}).appDrop).toBe(mask(['DAC_READ_SEARCH', 'SYS_PTRACE', 'SYS_ADMIN']));
    const user = tracedCaps({ capAdd: ['SYS_PTRACE'], capDrop: ['KILL', 'CHOWN'] });
    expect(user.capAdd).toEqual(['SYS_PTRACE', ...SENSOR_CAPS.filter((c) => c !== 'SYS_PTRACE')]);
    expect(user.capDrop).toEqual(['CHOWN']); // KILL is the sensor's: dropped from the app instead
    expect(user.appDrop).toBe(mask(['DAC_READ_SEARCH', 'KILL', 'SYS_ADMIN']));
    const none = tracedCaps({ capDrop: ['ALL'], capAdd: ['NET_BIND_SERVICE'] });
    expect(none.capDrop).toEqual(['ALL']);
    expect(none.appDrop).toBe(mask([...SENSOR_CAPS]));
    expect(tracedCaps({ capAdd: ['ALL'] }).appDrop).toBe('0');
  });

  it('reads the sensor\'s record of the app\'s sets', () => {
    const p = parseAppPrivileges('CapInh:\t0000000000000000\nCapPrm:\t00000000a80425fb\nCapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t2\nTraceHidden:\tyes\n');
    expect(p).toMatchObject({ effective: '00000000a80425fb', noNewPrivs: false, seccomp: 2, traceHidden: true });
    expect(p!.effectiveNames).toEqual(['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP', 'NET_BIND_SERVICE', 'NET_RAW', 'SYS_CHROOT', 'MKNOD', 'AUDIT_WRITE', 'SETFCAP']);
    expect(capNames('0')).toEqual([]);
    expect(parseAppPrivileges('garbage')).toBeUndefined();
  });
});
