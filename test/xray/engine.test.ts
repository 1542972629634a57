// `slimts xray` on images built by the engine FROM the sample base: waste computed by hand,
// the reverse Dockerfile, and --diff of the base against a reduced image.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_IMAGE, docker, slimts, uniqueName } from '../helpers/docker.js';
import type { XrayReport } from '../../src/xray/report.js';
import { tempDir } from './fixtures.js';

const built = `${uniqueName('slimts-xray/built')}:t`;
const reduced = `${uniqueName('slimts-xray/reduced')}:t`;
let dir: string;

function build(tag: string, dockerfile: string) {
  const ctx = join(dir, tag.replace(/[/:]/g, '_'));
  mkdirSync(ctx, { recursive: true });
  writeFileSync(join(ctx, 'Dockerfile'), dockerfile);
  docker(['build', '--network', 'host', '-q', '-t', tag, ctx]);
}

function json(args: string[], env: Record<string, string> = {}): XrayReport {
  const r = slimts(['xray', '--json', ...args], { env });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as XrayReport;
}

beforeAll(() => {
  dir = tempDir('xray-engine-');
  build(
    built,
    `FROM ${BASE_IMAGE}
RUN head -c 300000 /dev/urandom > /big && cp /big /big-copy && mkdir /cache && head -c 5000 /dev/urandom > /cache/a && cp /cache/a /cache/b
RUN rm /big && chmod u+s /big-copy
ENV FOO=bar
EXPOSE 8080
WORKDIR /app
USER nobody
CMD ["sh", "-c", "echo hi"]
`,
  );
  build(reduced, `FROM ${BASE_IMAGE}\nRUN rm -rf /usr/share/doc /usr/bin/perl /usr/bin/perl5.36.0\n`);
});

afterAll(() => {
  docker(['rmi', '-f', built, reduced], { allowFail: true });
  rmSync(dir, { recursive: true, force: true });
});

describe('slimts xray on engine images', () => {
  it('computes waste and efficiency of a docker-built image as dive would', () => {
    const r = json([built]);
    expect(r.layers.length).toBe(4); // base, RUN, RUN, WORKDIR
    const base = r.layers[0].size;
    // Layer 1: /big, /big-copy (300000 each), /cache/a, /cache/b (5000 each).
    // Layer 2: a whiteout of /big (weighs 0) and /big-copy again (chmod copies it up).
    // Layer 3: the empty /app directory.
    expect(r.layers.slice(1).map((l) => l.size)).toEqual([610000, 300000, 0]);
    expect(r.efficiency.inefficiencies.map((i) => [i.path, i.count, i.cumulativeSize, i.minSize])).toEqual([
      ['/big-copy', 2, 600000, 300000],
      ['/big', 2, 300000, 0],
    ]);
    expect(r.efficiency.wastedBytes).toBe(900000);
    // Every base path is seen once (min = cumulative); then /big-copy min 300000 of 600000,
    // /big 0 of 300000, /cache/a and /cache/b 5000 of 5000 each, /app 0.
    expect(r.efficiency.score).toBe((base + 300000 + 0 + 10000) / (base + 600000 + 300000 + 10000));
    expect(r.size.userBytes).toBe(910000);
    expect(r.efficiency.userWastedPercent).toBe(900000 / 910000);
    expect(r.layers[2]).toMatchObject({ modified: { files: 1, bytes: 300000 }, deleted: { files: 1, bytes: 300000 }, whiteouts: 1 });
    expect(r.layers[1].createdBy).toMatch(/head -c 300000/);
    expect(r.layers[0].createdBy).toBeNull();
    expect(r.security.setuid.map((f) => f.path)).toContain('/big-copy');
    expect(r.duplicates.groups).toContainEqual({ sha256: expect.any(String), size: 5000, paths: ['/cache/a', '/cache/b'], wastedBytes: 5000 });
    expect(r.shells.map((s) => s.name)).toEqual(expect.arrayContaining(['sh', 'bash', 'dash']));
    expect(r.packageManagers.map((s) => s.name)).toEqual(expect.arrayContaining(['apt', 'dpkg']));
  });

  it('reads engine images the same streamed (docker save, one pass) as through readImage', () => {
    const strip = (r: XrayReport) => ({ ...r, size: { ...r.size, blobBytes: 0 }, layers: r.layers.map((l) => ({ ...l, digest: '', mediaType: '', blobSize: 0 })) });
    const streamed = json([built]);
    const viaReadImage = json([built], { SLIMTS_XRAY_NO_STREAM: '1' });
    expect(strip(streamed)).toEqual(strip(viaReadImage));
    expect(streamed.layers.map((l) => l.diffId)).toEqual(viaReadImage.layers.map((l) => l.diffId));
  });

  it('reverse-engineers the Dockerfile from history and config', () => {
    const d = json([built]).dockerfile;
    expect(d[0]).toBe('FROM scratch');
    expect(d).toContain('RUN head -c 300000 /dev/urandom > /big && cp /big /big-copy && mkdir /cache && head -c 5000 /dev/urandom > /cache/a && cp /cache/a /cache/b');
    expect(d).toContain('RUN rm /big && chmod u+s /big-copy');
    expect(d).toContain('ENV FOO=bar');
    expect(d).toContain('WORKDIR /app');
    expect(d).toContain('USER nobody');
    expect(d).toContain('CMD ["sh","-c","echo hi"]');
    expect(d.some((l) => /^EXPOSE 8080/.test(l))).toBe(true);
    // Set by the base image's config, absent from history:
    expect(d.some((l) => l.startsWith('ENV PATH='))).toBe(true);
  });

  it('--diff shows what the fuller image has that the reduced one lacks, by directory and package', () => {
    // By hand, from inside the base: what the reduced image removed.
    const count = docker(['run', '--rm', '--network', 'none', BASE_IMAGE, 'sh', '-c', 'find /usr/share/doc ! -type d | wc -l; find /usr/share/doc -type f -printf "%s\\n" | awk "{s+=\\$1} END {print s}"; stat -c %s /usr/bin/perl']).stdout.trim().split('\n').map(Number);
    const [docFiles, docBytes, perlBytes] = count;
    const r = json([BASE_IMAGE, '--diff', reduced]);
    const d = r.diff!;
    expect(d.other).toBe(reduced);
    expect(d.onlyInOther).toEqual({ files: 0, bytes: 0, byDir: [] });
    expect(d.onlyInImage.byDir).toContainEqual({ dir: '/usr/share', files: docFiles, bytes: docBytes });
    // perl and perl5.36.0 are hardlinks: their bytes are stored (and counted) once.
    expect(d.onlyInImage.byDir).toContainEqual({ dir: '/usr/bin', files: 2, bytes: perlBytes });
    expect(d.onlyInImage.files).toBe(docFiles + 2);
    expect(d.packages?.source).toBe('image');
    const perl = d.packages!.packages.find((p) => p.name === 'perl-base')!;
    expect(perl.bytes).toBeGreaterThanOrEqual(perlBytes);
    expect(perl.notInstalledInOther).toBe(false);
    expect(d.packages!.packages.find((p) => p.name === '(no package)')).toBeUndefined();
    // The other way round, the same paths are attributed with the fuller side's database.
    const back = json([reduced, '--diff', BASE_IMAGE]).diff!;
    expect(back.onlyInOther.files).toBe(docFiles + 2);
    expect(back.packages?.source).toBe('other');
    expect(back.packages?.packages.find((p) => p.name === 'perl-base')?.bytes).toBe(perl.bytes);
  });
});
