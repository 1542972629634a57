// The probe flags of `slimts build`: --http-probe-apispec, --http-probe-unsafe, --probe-concurrency.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseApiSpec, positiveInt } from '../../src/slim/flags.js';
import { toBuildOptions } from '../../src/cli/build.js';
import { UserError } from '../../src/util/errors.js';
import { slimts } from '../helpers/docker.js';

const dir = mkdtempSync(join(tmpdir(), 'slimts-probe-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const spec = { openapi: '3.0.0', paths: { '/a': { get: {} } } };

describe('--http-probe-apispec', () => {
  it('a path or URL in the container, with the container port when given', () => {
    expect(parseApiSpec('/docs/openapi.json')).toEqual({ kind: 'url', path: '/docs/openapi.json' });
    expect(parseApiSpec('8080:/v1/spec')).toEqual({ kind: 'url', path: '/v1/spec', port: 8080 });
    expect(parseApiSpec('http://localhost:8000/openapi.json?x=1')).toEqual({ kind: 'url', path: '/openapi.json?x=1', port: 8000 });
  });

  it('a local JSON document (also at an absolute path), checked to be OpenAPI 3 or Swagger 2', () => {
    const f = join(dir, 'spec.json');
    writeFileSync(f, JSON.stringify(spec));
    expect(parseApiSpec(f)).toEqual({ kind: 'doc', source: f, doc: spec });
    writeFileSync(join(dir, 'not.json'), '{"paths": {}}');
    expect(() => parseApiSpec(join(dir, 'not.json'))).toThrow(/not an OpenAPI 3 or Swagger 2.0 document/);
    writeFileSync(join(dir, 'bad.json'), 'openapi: 3.0.0');
    expect(() => parseApiSpec(join(dir, 'bad.json'))).toThrow(UserError);
    expect(() => parseApiSpec('missing.json')).toThrow(/missing.json: ENOENT/);
  });

  it('maps onto the probe options with --http-probe-unsafe and --probe-concurrency', () => {
    const base = {
      env: [], mount: [], httpProbeCmd: [], exec: [], httpProbe: true, includePath: [], includeBin: [], includeExe: [], exe: [],
      exclude: [], includePathsFile: [], newEnv: [], newLabel: [], newExpose: [], removeEnv: [], removeLabel: [], removeExpose: [],
      removeVolume: [], verify: true, capAdd: [], capDrop: [],
    };
    const o = toBuildOptions('app:1', { ...base, httpProbeApispec: ['/openapi.yaml.json'], httpProbeUnsafe: true, probeConcurrency: '2' } as unknown as Parameters<typeof toBuildOptions>[1]);
    expect(o.probes).toMatchObject({ apiSpecs: [{ kind: 'url', path: '/openapi.yaml.json' }], unsafe: true, concurrency: 2 });
    expect(() => positiveInt('0', '--probe-concurrency')).toThrow(/--probe-concurrency wants a whole number ≥ 1, got "0"/);
  });

  it('bad values are one-line errors with exit 2, before any engine work', () => {
    for (const args of [['--http-probe-apispec', 'nope.json'], ['--probe-concurrency', '1.5']]) {
      const r = slimts(['build', 'slimts-test/never-built:1', ...args]);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^slimts: --(http-probe-apispec nope.json: ENOENT|probe-concurrency wants)/);
    }
  });
});
