// `slimts xray` end to end on hand-made images: every source form gives the same numbers,
// which are computed by hand in scenario.ts; output modes; the CI gate.
import { rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLIMTS, slimts } from '../helpers/docker.js';
import type { XrayReport } from '../../src/xray/report.js';
import { layerTar, tempDir, writeDockerArchive, writeOciArchive, writeOciLayout, writeOciMultiPlatform, type HandImage } from './fixtures.js';
import { CONFIG, EXPECT, HISTORY, LAYER0, LAYER1, LAYER2 } from './scenario.js';

let dir: string;
let img: HandImage;

beforeAll(async () => {
  dir = tempDir('xray-cli-');
  img = { layers: [await layerTar(LAYER0), await layerTar(LAYER1), await layerTar(LAYER2)], history: HISTORY, config: CONFIG };
  writeOciLayout(join(dir, 'layout'), img, [1]); // layer 1 gzipped
  await writeDockerArchive(join(dir, 'image.tar'), img);
  await writeOciArchive(join(dir, 'oci.tar'), img);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function json(ref: string, ...args: string[]): XrayReport {
  const r = slimts(['xray', '--json', ref, ...args]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as XrayReport;
}

describe('slimts xray on hand-made images', () => {
  it('reports dive efficiency, waste, layers and findings for an OCI layout', () => {
    const r = json(`oci:${join(dir, 'layout')}`);
    expect(r.schemaVersion).toBe(1);
    expect(r.efficiency.score).toBe(EXPECT.minimum / EXPECT.discovered);
    expect(r.efficiency.wastedBytes).toBe(EXPECT.wastedBytes);
    expect(r.size.bytes).toBe(EXPECT.layerSizes[0] + EXPECT.layerSizes[1] + EXPECT.layerSizes[2]);
    expect(r.size.userBytes).toBe(EXPECT.layerSizes[1] + EXPECT.layerSizes[2]);
    expect(r.efficiency.userWastedPercent).toBe(3880 / 8340);
    expect(r.efficiency.inefficientPaths).toBe(5);
    expect(r.efficiency.inefficiencies[0]).toEqual({ path: '/srv/other', count: 2, cumulativeSize: 2000, minSize: 0 });
    expect(r.layers.map((l) => l.size)).toEqual(EXPECT.layerSizes);
    expect(r.layers.map((l) => l.createdBy)).toEqual([HISTORY[0].created_by, HISTORY[2].created_by, HISTORY[3].created_by]);
    expect(r.layers[1].mediaType).toContain('gzip');
    expect(r.layers[1]).toMatchObject({ added: { files: 5, bytes: 8060 }, modified: { files: 2, bytes: 160 }, deleted: { files: 2, bytes: 1200 }, whiteouts: 1, opaqueDirs: ['/opt/app'] });
    expect(r.layers[2]).toMatchObject({ modified: { files: 1, bytes: 120 }, deleted: { files: 1, bytes: 2000 } });
    // Final files: config, lib1, sh, su, ping, dup1, dup2, other2 and the /bin symlink.
    expect(r.files).toEqual({ count: 9, dirs: 9, bytes: 120 + 10 + 50 + 80 + 60 + 2000 * 3 });
    // dup1 and dup2 share content; other2 has their size but not their bytes.
    expect(r.duplicates.groups).toEqual([{ sha256: expect.any(String), size: 2000, paths: ['/srv/dup1', '/srv/dup2'], wastedBytes: 2000 }]);
    expect(r.duplicates.wastedBytes).toBe(2000);
    expect(r.security.setuid.map((f) => f.path)).toEqual(['/usr/bin/su']);
    expect(r.security.capabilities.map((f) => [f.path, f.capabilities])).toEqual([['/usr/bin/ping', ['cap_net_bind_service']]]);
    expect(r.security.worldWritableDirs).toEqual([
      { path: '/pub', mode: '0777', sticky: false },
      { path: '/tmp', mode: '1777', sticky: true },
    ]);
    expect(r.shells.map((s) => s.name)).toEqual(['sh']);
    expect(r.packageManagers).toEqual([]);
    expect(r.dockerfile).toEqual([
      'FROM scratch',
      'ADD file:0123abcd in /',
      'ENV A=1',
      'RUN echo hi > /srv/dup1',
      'RUN rm /srv/other',
      'CMD ["sh"]',
      'ENV PATH=/usr/bin',
      'WORKDIR /srv',
      'USER 1000',
      'EXPOSE 8080/tcp',
    ]);
  });

  it('gives the same analysis for a docker-archive and an OCI archive', () => {
    const strip = (r: XrayReport) => ({ ...r, image: { ...r.image, ref: '' }, size: { ...r.size, blobBytes: 0 }, layers: r.layers.map((l) => ({ ...l, digest: '', mediaType: '', blobSize: 0 })) });
    const a = strip(json(`oci:${join(dir, 'layout')}`));
    expect(strip(json(`docker-archive:${join(dir, 'image.tar')}`))).toEqual(a);
    expect(strip(json(`oci-archive:${join(dir, 'oci.tar')}`))).toEqual(a);
    expect(strip(json(join(dir, 'image.tar')))).toEqual(a); // bare path, sniffed
  });

  it('follows a nested OCI image index to the asked platform', async () => {
    const small: HandImage = { layers: [await layerTar([{ path: 'only-arm', content: 'x'.repeat(5) }])] };
    const multi = join(dir, 'multi');
    writeOciMultiPlatform(multi, [
      { os: 'linux', architecture: 'amd64', img },
      { os: 'linux', architecture: 'arm64', img: small },
    ]);
    const amd = json(`oci:${multi}`, '--platform', 'linux/amd64');
    expect(amd.efficiency.wastedBytes).toBe(EXPECT.wastedBytes);
    const arm = json(`oci:${multi}`, '--platform', 'linux/arm64');
    expect(arm.image.architecture).toBe('arm64');
    expect(arm.layers.map((l) => l.size)).toEqual([5]);
    expect(arm.biggestFiles.map((f) => f.path)).toEqual(['/only-arm']);
  });

  it('renders with ink on a terminal', () => {
    // script(1) gives the command a pseudo-terminal.
    const r = spawnSync('script', ['-qec', `node ${SLIMTS} xray --top 2 oci:${join(dir, 'layout')}`, '/dev/null'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\x1b\[/);
    expect(r.stdout).toContain('Inefficient paths (5)');
    expect(r.stdout).not.toContain('== Layers'); // the plain renderer's marker
  });

  it('prints plain text without escape codes when piped, and with --plain', () => {
    for (const extra of [[], ['--plain']]) {
      const r = slimts(['xray', ...extra, `oci:${join(dir, 'layout')}`]);
      expect(r.status).toBe(0);
      expect(r.stdout).not.toMatch(/\x1b/);
      expect(r.stdout).toContain('== Layers');
      expect(r.stdout).toContain('/usr/bin/su');
      expect(r.stdout).toContain('NOT sticky');
      expect(r.stdout).toMatch(/efficiency\s+62\.5621%/); // 6300 / 10070
    }
  });

  it('fails a bad ref with a one-line error', () => {
    const r = slimts(['xray', `oci:${join(dir, 'nope')}`]);
    expect(r.status).not.toBe(0);
    expect(r.status).not.toBe(70);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a docker-archive whose tar header has a negative size: exit 2 and one line, at once (it used to loop)', () => {
    const bad = join(dir, 'negative.tar');
    const tar = Buffer.alloc(3 * 512);
    tar.write('manifest.json', 0, 'latin1');
    tar.write('0000644\0', 100, 'latin1');
    tar.fill(0xff, 124, 136); // base-256 -1
    tar.write('00000000000\0', 136, 'latin1');
    tar.write('0', 156, 'latin1');
    tar.write('ustar\x0000', 257, 'latin1');
    tar.fill(0x20, 148, 156);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += tar[i]!;
    tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    writeFileSync(bad, tar);
    const t0 = Date.now();
    const r = spawnSync('node', [SLIMTS, 'xray', bad], { timeout: 20_000, encoding: 'utf8' });
    expect(r.signal).toBeNull(); // not killed by the timeout
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^slimts: .*negative size field\n$/);
  });
});

describe('slimts xray --ci', () => {
  const ref = () => `docker-archive:${join(dir, 'image.tar')}`;

  it('fails with the default rules, naming each failed rule on its own line', () => {
    // efficiency 0.6256 < 0.9; user wasted 3880/8340 = 0.465 > 0.1
    const r = slimts(['xray', '--ci', ref()]);
    expect(r.status).toBe(1);
    const fails = r.stderr.trim().split('\n');
    expect(fails).toHaveLength(2);
    expect(fails[0]).toMatch(/^FAIL lowest-efficiency: /);
    expect(fails[1]).toMatch(/^FAIL highest-user-wasted-percent: /);
    expect(r.stdout).toContain('CI: FAIL');
  });

  it('passes when thresholds allow the image', () => {
    const r = slimts(['xray', '--ci', '--plain', '--lowest-efficiency', '0.6', '--highest-user-wasted-percent', '0.5', '--highest-wasted-bytes', '3880', '--max-size', '10.07kB', ref()]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('CI: PASS');
  });

  it('reads rules from .dive-ci in the current directory and from --ci-config', () => {
    const cwd = tempDir('xray-ci-');
    try {
      writeFileSync(join(cwd, '.dive-ci'), 'rules:\n  lowest-efficiency: 0.5\n  highest-wasted-bytes: 3KB\n  highest-user-wasted-percent: disabled\n');
      const run = (args: string[]) => spawnSync('node', [SLIMTS, 'xray', '--ci', '--json', ...args, ref()], { cwd, encoding: 'utf8' });
      const r = run([]);
      expect(r.status).toBe(1);
      expect(r.stderr.trim()).toMatch(/^FAIL highest-wasted-bytes: too many bytes wasted \(wasted-bytes=3880 > threshold=3000\)$/);
      const rep = JSON.parse(r.stdout) as XrayReport;
      expect(rep.ci?.rules.map((x) => [x.rule, x.status])).toEqual([
        ['lowest-efficiency', 'pass'],
        ['highest-wasted-bytes', 'fail'],
        ['highest-user-wasted-percent', 'skip'],
        ['max-size', 'skip'],
      ]);
      // A flag overrides the file.
      expect(run(['--highest-wasted-bytes', '4KB']).status).toBe(0);
      const other = join(cwd, 'strict.yaml');
      writeFileSync(other, 'rules:\n  max-size: 10KB\n');
      const s = run(['--ci-config', other]);
      expect(s.status).toBe(1);
      expect(s.stderr.trim().split('\n').map((l) => l.split(':')[0])).toEqual(['FAIL lowest-efficiency', 'FAIL highest-user-wasted-percent', 'FAIL max-size']);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
