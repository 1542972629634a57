// The container-create request, without an engine.
import { describe, expect, it } from 'vitest';
import type { ContainerConfig } from '../../src/image/types.js';
import { compareRuns } from '../../src/run/compare.js';
import { resolveContinueAfter } from '../../src/run/controller.js';
import { parseMount } from '../../src/run/mounts.js';
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
  it('wraps the app in the sensor as root with only the two capabilities', () => {
    const o = buildCreateOptions({ image: 'img', config: cfg, sensor: {}, publishIp: '127.0.0.1' });
    expect(o.Entrypoint).toEqual(['/.slimts/slimts-sensor', '--user', 'app', '--ready', '/.slimts/ready', '--trace', '/.slimts/trace', '--', '/entry.sh', 'serve', '--port', '80']);
    expect(o.Cmd).toEqual([]);
    expect(o.User).toBe('0:0');
    expect(o.HostConfig?.CapAdd).toEqual(['SYS_PTRACE', 'SYS_ADMIN']);
    expect(o.HostConfig?.Privileged).toBeUndefined();
    expect(o.HostConfig?.SecurityOpt).toBeUndefined();
    expect(o.HostConfig?.Binds).toBeUndefined();
    expect(o.Labels).toEqual({ 'io.slimts.run': '1' });
    expect(o.HostConfig?.PortBindings).toEqual({ '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }], '443/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
    expect(o.OpenStdin).toBe(false);
  });

  it('runs the health check under the sensor in append mode', () => {
    const o = buildCreateOptions({ image: 'img', config: cfg, sensor: {}, publishIp: '127.0.0.1' });
    expect(o.Healthcheck).toEqual({
      Test: ['CMD', '/.slimts/slimts-sensor', '--user', 'app', '--trace', '/.slimts/trace', '--append', '--', '/bin/sh', '-c', 'curl -f http://localhost/ || exit 1'],
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
