import { describe, expect, it } from 'vitest';
import { editConfig, defaultSlimTag, parseCommand, parseContinueAfter, parseHttpProbeCmd, withParents } from '../../src/slim/index.js';
import type { ImageConfig } from '../../src/image/types.js';

const base = (): ImageConfig => ({
  architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: ['sha256:x'] },
  config: {
    User: 'app', Env: ['PATH=/usr/bin', 'A=1', 'B=2'], Entrypoint: ['/app'], Cmd: ['serve'],
    WorkingDir: '/srv', ExposedPorts: { '80/tcp': {}, '53/udp': {} }, Volumes: { '/data': {}, '/logs': {} },
    Labels: { a: '1', b: '2' }, StopSignal: 'SIGQUIT', Healthcheck: { Test: ['CMD', 'true'] },
    Shell: ['/bin/bash', '-c'], OnBuild: ['RUN x'], ArgsEscaped: true, XUnknown: { y: 1 },
  },
  'moby.buildkit.buildinfo.v1': 'abc',
});

describe('editConfig', () => {
  it('returns the same config when nothing is asked', () => {
    const c = base();
    expect(editConfig(c, { env: [], labels: [] })).toBe(c);
  });
  it('applies new/remove edits and keeps every other field, known or not', () => {
    const c = base();
    const snapshot = JSON.stringify(c);
    const out = editConfig(c, {
      env: ['A=9', 'C=3'], removeEnv: ['B'], labels: ['c=3'], removeLabels: ['a'], expose: ['8080'],
      removeExpose: ['53/udp'], removeVolumes: ['/logs'], removeHealthcheck: true, workdir: '/w', cmd: ['run'],
    });
    expect(JSON.stringify(c)).toBe(snapshot); // the input is untouched
    const cc = out.config!;
    expect(cc.Env).toEqual(['PATH=/usr/bin', 'A=9', 'C=3']);
    expect(cc.Labels).toEqual({ b: '2', c: '3' });
    expect(cc.ExposedPorts).toEqual({ '80/tcp': {}, '8080/tcp': {} });
    expect(cc.Volumes).toEqual({ '/data': {} });
    expect(cc.Healthcheck).toBeUndefined();
    expect(cc.WorkingDir).toBe('/w');
    expect(cc.Cmd).toEqual(['run']);
    expect(cc.Entrypoint).toEqual(['/app']);
    for (const k of ['User', 'StopSignal', 'Shell', 'OnBuild', 'ArgsEscaped', 'XUnknown']) expect(cc[k]).toEqual(c.config![k]);
    expect(out['moby.buildkit.buildinfo.v1']).toBe('abc');
  });
  it('a new entrypoint resets CMD unless one is given', () => {
    expect(editConfig(base(), { entrypoint: ['/x'] }).config!.Cmd).toBeNull();
    expect(editConfig(base(), { entrypoint: ['/x'], cmd: ['y'] }).config!.Cmd).toEqual(['y']);
  });
  it('rejects bad ports', () => {
    expect(() => editConfig(base(), { expose: ['http'] })).toThrow(/expected PORT/);
  });
});

describe('flags and names', () => {
  it('default tag is NAME.slim:TAG', () => {
    expect(defaultSlimTag('myapp:latest')).toBe('myapp.slim:latest');
    expect(defaultSlimTag('myapp')).toBe('myapp.slim:latest');
    expect(defaultSlimTag('registry:5000/team/app:1.2')).toBe('registry:5000/team/app.slim:1.2');
    expect(defaultSlimTag('localhost:5000/app')).toBe('localhost:5000/app.slim:latest');
  });
  it('parses commands, continue-after and probe specs', () => {
    expect(parseCommand('["/a","b c"]', 'x')).toEqual(['/a', 'b c']);
    expect(parseCommand(`python -c 'print(1)' "a b"`, 'x')).toEqual(['python', '-c', 'print(1)', 'a b']);
    expect(parseContinueAfter('timeout:5')).toEqual({ mode: 'timeout', seconds: 5 });
    expect(parseContinueAfter('7')).toEqual({ mode: 'timeout', seconds: 7 });
    expect(parseContinueAfter('exit')).toEqual({ mode: 'exit' });
    expect(() => parseContinueAfter('later')).toThrow();
    expect(parseHttpProbeCmd('/health')).toEqual({ method: 'GET', path: '/health' });
    expect(parseHttpProbeCmd('POST:8080:/api')).toEqual({ method: 'POST', path: '/api', port: 8080 });
    expect(parseHttpProbeCmd('head /x')).toEqual({ method: 'HEAD', path: '/x' });
  });
  it('synthesized parents', () => {
    const out = withParents([{ path: '/opt/bin/bb', type: 'file', mode: 0o755, uid: 0, gid: 0, mtime: 0, size: 1 }, { path: '/opt', type: 'dir', mode: 0o700, uid: 5, gid: 5, mtime: 0, size: 0 }]);
    expect(out.map((e) => e.path).sort()).toEqual(['/', '/opt', '/opt/bin', '/opt/bin/bb']);
    expect(out.find((e) => e.path === '/opt')!.mode).toBe(0o700);
  });
});
