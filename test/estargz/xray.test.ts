// xray recognises eStargz layers by their TOC entry and lists the prefetch range in fetch
// order, from an OCI archive and from the engine (docker keeps the tar, not the annotations).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, slimts, uniqueName } from '../helpers/docker.js';
import { buildHello } from '../oci/fixtures.js';
import { ensureCli } from '../slim/e2e.js';

let work: string;
const tags: string[] = [];
beforeAll(() => {
  ensureCli();
  work = mkdtempSync(join(tmpdir(), 'slimts-estargz-xray-'));
});
afterAll(() => {
  for (const t of tags) docker(['rmi', '-f', t], { allowFail: true });
  rmSync(work, { recursive: true, force: true });
});

const layersOf = (ref: string) => {
  const r = slimts(['xray', ref, '--json']);
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { layers: Array<{ estargz: { landmark: string; prefetch: string[]; prefetchBytes: number } | null }> }).layers;
};

describe('xray of eStargz images', () => {
  it('an OCI archive: the prefetch list in fetch order; a gzip image has none', () => {
    const hello = buildHello(work, 'xray me');
    const es = join(work, 'es.tar');
    expect(slimts(['imagebuild', '--exe', hello, '--exe', `${hello}:/bin/second`, '--format', 'estargz', '--output', es]).status).toBe(0);
    const [layer] = layersOf(`oci-archive:${es}`);
    expect(layer!.estargz).toMatchObject({ landmark: 'prefetch', prefetch: ['/usr/local/bin/hello', '/bin/second'] });
    expect(layer!.estargz!.prefetchBytes).toBeGreaterThan(10_000);
    const text = slimts(['xray', `oci-archive:${es}`, '--plain']).stdout;
    expect(text).toMatch(/== eStargz layer 0: prefetch 2 files/);
    expect(text).toMatch(/1\s+\/usr\/local\/bin\/hello/);

    const gz = join(work, 'gz.tar');
    expect(slimts(['imagebuild', '--exe', hello, '--output', gz]).status).toBe(0);
    expect(layersOf(`oci-archive:${gz}`)[0]!.estargz).toBeNull();
  });

  it('an engine image loaded from eStargz output', () => {
    const hello = buildHello(work, 'xray me');
    const tag = `${uniqueName('slimts-estargz-xray')}:1`;
    expect(slimts(['imagebuild', '--exe', hello, '--format', 'estargz', '--tag', tag]).status).toBe(0);
    tags.push(tag);
    expect(layersOf(tag)[0]!.estargz).toMatchObject({ landmark: 'prefetch', prefetch: ['/usr/local/bin/hello'] });
  });
});
