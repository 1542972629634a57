// Every sample image runs traced, answers its probes, and a plain run of the same image
// replaying those probes shows no regression (the verifier's baseline).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectImage } from '../../src/image/engine-config.js';
import { compareRuns, runPlain, runTraced } from '../../src/run/index.js';
import { buildSamples, leftovers, testLabel, testSensor, type TestSensor } from './sensor.js';

let sensor: TestSensor;
beforeAll(() => {
  sensor = testSensor();
  buildSamples('flask', 'express', 'shell-entrypoint');
});
afterAll(() => sensor?.dispose());

const cases: Array<[string, string[], string]> = [
  ['flask', ['GET http://:5000/', 'GET http://:5000/api/info'], '/app/app.py'],
  ['express', ['GET http://:3000/', 'GET http://:3000/api/time'], '/srv/server.js'],
  ['shell-entrypoint', ['GET http://:8000/', 'GET http://:8000/health.txt'], '/usr/bin/sed'],
];

describe('samples', () => {
  it.each(cases)('%s: traced probes pass and a plain replay matches', async (name, targets, traced) => {
    const labels = testLabel();
    const img = await inspectImage(`slimts-sample/${name}:1`);
    const t = await runTraced({ image: img.ref, config: img.config, labels, sensor: { path: sensor.path }, stopTimeout: 3 });
    try {
      const ok = t.probes.filter((p) => p.ok).map((p) => p.target);
      for (const target of targets) expect(ok).toContain(target);
      expect(readFileSync(t.trace.main!, 'utf8')).toContain(traced);
    } finally {
      await t.dispose();
    }
    const p = await runPlain({ image: img.ref, config: img.config, labels, probes: { replay: t.probes }, stopTimeout: 3 });
    expect(compareRuns(t, p)).toEqual([]);
    expect(leftovers(labels)).toEqual([]);
  });
});
