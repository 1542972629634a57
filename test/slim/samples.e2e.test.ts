// slimts build on the flask and express samples: answers like the original, ≥ 4.5× / 5× smaller,
// same config, same metadata for every kept entry.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSample, configOf, imageSize, metadataDiffs, sameAnswers, slim, type Slimmed } from './e2e.js';

// flask was 5.0x until python3.11's time zone data (1.3 MB, 900 files) was kept: it calls
// localtime/mktime, so `docker run -e TZ=...` reads /usr/share/zoneinfo. 256.5 -> 51.8 MB (4.95x)
// on 2026-12-07; a working image over a ratio budget.
const cases = [
  { name: 'flask', port: 5000, paths: ['/', '/api/info'], minRatio: 4.5 },
  { name: 'express', port: 3000, paths: ['/', '/api/time'], minRatio: 5 },
];

for (const c of cases) {
  describe(`slimts build ${c.name}`, () => {
    let image: string;
    let s: Slimmed;
    beforeAll(() => {
      image = buildSample(c.name);
      s = slim(image);
    });
    afterAll(() => s?.cleanup());

    it('succeeds and verifies', () => {
      expect(s.status, s.stderr + s.stdout).toBe(0);
      expect(s.report!.verify.ok).toBe(true);
    });

    it('answers like the original', async () => {
      const { results, slimLogs } = await sameAnswers(image, s.tag, c.port, c.paths);
      for (const r of results) {
        expect(r.b.status, r.path).toBe(r.a.status);
        expect(r.b.body, r.path).toBe(r.a.body);
      }
      expect(slimLogs).not.toMatch(/Could not find platform|Traceback|Error: Cannot find module/);
    });

    it(`is at least ${c.minRatio}× smaller`, () => {
      expect(imageSize(image) / imageSize(s.tag)).toBeGreaterThanOrEqual(c.minRatio);
    });

    if (c.name === 'flask')
      it('keeps the zone docker run -e TZ names (python calls localtime)', () => {
        const zone = (ref: string) => spawnSync('docker', ['run', '--rm', '-e', 'TZ=America/Lima', '--entrypoint', 'python3', ref,
          '-c', 'import time; print(time.strftime("%Z %z", time.localtime(0)))'], { encoding: 'utf8' });
        const a = zone(image);
        const b = zone(s.tag);
        expect(a.stdout.trim()).toBe('-05 -0500');
        expect(b.stdout.trim(), b.stderr).toBe(a.stdout.trim());
      });

    if (c.name === 'flask')
      it('keeps the metadata importlib.metadata reads of the packages it keeps', () => {
        const ask = (ref: string) => spawnSync('docker', ['run', '--rm', '--entrypoint', 'python3', ref, '-c',
          "import importlib.metadata as m; print(m.version('flask'), m.version('werkzeug'), [e.name for e in m.entry_points(group='console_scripts')])"], { encoding: 'utf8' });
        const a = ask(image);
        const b = ask(s.tag);
        expect(a.stdout).toMatch(/^2\.\d+\.\d+ 2\.\d+\.\d+ \[.*'flask'.*\]\n$/);
        expect(b.stdout, b.stderr).toBe(a.stdout);
      });

    it('keeps the config', () => {
      expect(configOf(s.tag)).toEqual(configOf(image));
    });

    it('keeps the metadata of every kept entry', async () => {
      expect(await metadataDiffs(image, s.tag)).toEqual([]);
    });
  });
}
