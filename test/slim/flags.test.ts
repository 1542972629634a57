import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readHttpProbeFile, readPathsFile } from '../../src/slim/index.js';
import { toBuildOptions } from '../../src/cli/build.js';

const dir = mkdtempSync(join(tmpdir(), 'slimts-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('flag files', () => {
  it('--include-paths-file: one glob a line, comments and blanks skipped', () => {
    writeFileSync(join(dir, 'paths'), '# certs\n/etc/ssl/**\n\n  /usr/share/zoneinfo/UTC  \n');
    expect(readPathsFile(join(dir, 'paths'))).toEqual(['/etc/ssl/**', '/usr/share/zoneinfo/UTC']);
    expect(() => readPathsFile(join(dir, 'missing'))).toThrow(/ENOENT/);
  });

  it('--http-probe-file: a list, or DockerSlim-style {commands}', () => {
    writeFileSync(join(dir, 'a.json'), JSON.stringify([{ method: 'post', path: '/api', body: '{}', port: 8080 }]));
    writeFileSync(join(dir, 'b.json'), JSON.stringify({ commands: [{ resource: '/health' }] }));
    expect(readHttpProbeFile(join(dir, 'a.json'))).toEqual([{ method: 'POST', path: '/api', body: '{}', port: 8080 }]);
    expect(readHttpProbeFile(join(dir, 'b.json'))).toEqual([{ method: 'GET', path: '/health' }]);
    writeFileSync(join(dir, 'c.json'), '{"x":1}');
    expect(() => readHttpProbeFile(join(dir, 'c.json'))).toThrow(/JSON array/);
  });
});

describe('CLI flags → build options', () => {
  const base = {
    env: [], mount: [], httpProbeCmd: [], exec: [], httpProbe: true, includePath: [], includeBin: [], includeExe: [], exe: [],
    exclude: [], includePathsFile: [], newEnv: [], newLabel: [], newExpose: [], removeEnv: [], removeLabel: [], removeExpose: [],
    removeVolume: [], verify: true, capAdd: [], capDrop: [], references: true,
  };
  it('maps run overrides, probes, selection and edits', () => {
    const o = toBuildOptions('app:1', {
      ...base, entrypoint: '["/bin/app"]', cmd: 'serve --port 80', env: ['A=1'], user: 'nobody', network: 'none',
      continueAfter: 'timeout:5', stopTimeout: '2', httpProbe: false, crawlDepth: '1', httpProbeCmd: ['/x'],
      includeShell: true, exclude: ['/usr/share/doc'], newCmd: 'serve', removeHealthcheck: true, verify: false,
    });
    expect(o.run).toMatchObject({ entrypoint: ['/bin/app'], cmd: ['serve', '--port', '80'], env: ['A=1'], user: 'nobody', network: 'none' });
    expect(o.continueAfter).toEqual({ mode: 'timeout', seconds: 5 });
    expect(o.stopTimeout).toBe(2);
    expect(o.probes).toMatchObject({ noHttpProbe: true, crawlDepth: 1, http: [{ method: 'GET', path: '/x' }] });
    expect(o.select).toMatchObject({ includeShell: true, excludes: ['/usr/share/doc'], references: true });
    expect(toBuildOptions('a', { ...base, references: false }).select?.references).toBe(false);
    expect(o.edits).toMatchObject({ cmd: ['serve'], removeHealthcheck: true });
    expect(o.verify).toBe(false);
  });
  it('rejects bad numbers', () => {
    expect(() => toBuildOptions('a', { ...base, timeout: 'soon' })).toThrow(/--timeout/);
  });
});
