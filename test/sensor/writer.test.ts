// The trace writer's bounds: a trace file stops growing at its cap and says how many events it
// dropped, so the build can warn that the trace is incomplete.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildSensor, runSensor, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  buildSensor();
  tmp = tempDir();
});
afterAll(() => tmp.cleanup());

const CAP = 64 << 10;
const walk = ['/usr/bin/find', '/usr/lib/x86_64-linux-gnu', '/usr/share/zoneinfo', '-name', '*.none'];

it('a trace over its cap ends at the cap, complete, with the dropped events counted', () => {
  const r = runSensor(tmp.dir, [], walk, { env: { ...process.env, SLIMTS_SENSOR_TRACE_MAX: String(CAP) } });
  expect(r.status).toBe(0);
  expect(statSync(join(tmp.dir, 'trace')).size).toBeLessThanOrEqual(CAP);
  expect(r.trace.complete).toBe(true);
  expect(r.trace.summary!.dropped).toBeGreaterThan(300);
  expect(r.trace.summary!.events).toBe(r.trace.events.length);
});

it('an uncapped trace of the same walk drops nothing, and the cap cannot be raised', () => {
  const r = runSensor(tmp.dir, [], walk, { env: { ...process.env, SLIMTS_SENSOR_TRACE_MAX: String(2 ** 50) } });
  expect(r.status).toBe(0);
  expect(r.trace.summary!.dropped).toBe(0);
  expect(r.trace.events.length).toBeGreaterThan(800);
});
