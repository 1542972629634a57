// slimts build on the flask and express samples: answers like the original, ≥ 5× smaller,
// same config, same metadata for every kept entry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSample, configOf, imageSize, metadataDiffs, sameAnswers, slim, type Slimmed } from './e2e.js';

const cases = [
  { name: 'flask', port: 5000, paths: ['/', '/api/info'], minRatio: 5 },
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

    it('keeps the config', () => {
      expect(configOf(s.tag)).toEqual(configOf(image));
    });

    it('keeps the metadata of every kept entry', async () => {
      expect(await metadataDiffs(image, s.tag)).toEqual([]);
    });
  });
}
