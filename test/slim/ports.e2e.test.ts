// The ports the app really listens on are probed: an image built FROM a base that EXPOSEs
// 5000 whose app listens on 8000 slims, verifies, and its slim image answers on 8000; the
// EXPOSEd port that never opened is a warning (output and report), not a failure; the
// --continue-after modes that need no port never wait for one.
import { describe, expect, it } from 'vitest';
import { buildTrouble, ensureCli, sameAnswers, slim } from './e2e.js';

describe('slimts build probes the ports the app listens on', () => {
  it('EXPOSE 5000 from the base, the app on 8000: builds, verifies, the slim image answers on 8000', async () => {
    ensureCli();
    const image = buildTrouble('wrongport');
    const t0 = Date.now();
    const s = slim(image);
    const ms = Date.now() - t0;
    try {
      expect(s.status, s.stderr).toBe(0);
      expect(s.report!.verify.ok).toBe(true);
      // 8000 was probed (GET / and the page it links to), 5000 was not
      const targets = s.report!.probes.map((p) => p.target);
      expect(targets).toContain('tcp:8000');
      expect(targets.some((t) => /:8000\/data$/.test(t))).toBe(true);
      expect(targets.some((t) => /5000/.test(t))).toBe(false);
      // the EXPOSEd port that never opened: a warning in the report and the output
      expect(s.report!.trace.warnings.join('\n')).toMatch(/port 5000 is EXPOSEd but the app did not listen on it.*8000/);
      expect(s.stderr).toMatch(/port 5000 is EXPOSEd but the app did not listen on it/);
      // no wait for the whole --probe-wait (60 s) on the port that never opens
      expect(ms).toBeLessThan(55_000);
      const { results } = await sameAnswers(image, s.tag, 8000, ['/', '/data']);
      for (const r of results) expect(r.b, r.path).toEqual(r.a);
      expect(results[1]!.b.body).toMatch(/"port": 8000/);
    } finally {
      s.cleanup();
    }
  });

  it('--continue-after timeout:N does not wait for a port the app never opens', () => {
    const image = buildTrouble('noport');
    const t0 = Date.now();
    const s = slim(image, ['--continue-after', 'timeout:3']);
    try {
      expect(s.status, s.stderr).toBe(0);
      expect(Date.now() - t0).toBeLessThan(40_000);
      expect(s.report!.trace.warnings.join('\n')).toMatch(/port 8080 is EXPOSEd but the app did not listen on it/);
    } finally {
      s.cleanup();
    }
  });
});
