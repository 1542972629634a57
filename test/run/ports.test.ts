// Which ports a traced run probes (src/run/ports.ts), without an engine: the app's own beside
// the EXPOSEd ones, a short grace for an EXPOSEd port the app does not open, loopback ones left out.
import { describe, expect, it } from 'vitest';
import { isLoopback, parseListens, settlePorts, type Listen } from '../../src/run/ports.js';

/** A fake clock: sleep advances it; listens appear at given times. */
function world(events: Array<{ at: number; listen?: Listen; accept?: number }>) {
  let now = 0;
  const realNow = Date.now;
  Date.now = () => now;
  return {
    restore: () => { Date.now = realNow; },
    input: {
      listened: async () => events.filter((e) => e.listen && e.at <= now).map((e) => e.listen!),
      accepts: async (p: number) => events.some((e) => e.accept === p && e.at <= now),
      alive: async () => true,
      sleep: async (ms: number) => { now += Math.max(ms, 1); },
    },
    elapsed: () => now,
  };
}

describe('the ports a traced run probes', () => {
  it('reads the sensor\'s ports file, skipping junk', () => {
    expect(parseListens('8000\t0.0.0.0\n\nbad\n70000\t::\n5432\t127.0.0.1\n443\t::\n')).toEqual([
      { port: 8000, addr: '0.0.0.0' }, { port: 5432, addr: '127.0.0.1' }, { port: 443, addr: '::' },
    ]);
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('0.0.0.0')).toBe(false);
  });

  it('EXPOSE 5000, the app on 8000: probes 8000, 5000 missing after the grace, not the full wait', async () => {
    const w = world([{ at: 1000, listen: { port: 8000, addr: '0.0.0.0' } }]);
    try {
      const s = await settlePorts({ ...w.input, exposed: [5000], waitMs: 60_000, graceMs: 5000 });
      expect(s).toMatchObject({ open: [8000], missing: [5000], loopback: [], gone: false });
      expect(w.elapsed()).toBeLessThan(7000);
    } finally {
      w.restore();
    }
  });

  it('a slow starter: its first port after 20 s, the EXPOSEd one 15 s later, still probed', async () => {
    const w = world([{ at: 20_000, listen: { port: 9090, addr: '0.0.0.0' } }, { at: 35_000, listen: { port: 80, addr: '0.0.0.0' } }]);
    try {
      const s = await settlePorts({ ...w.input, exposed: [80], waitMs: 60_000, graceMs: 5000 });
      expect(s).toMatchObject({ open: [80, 9090], missing: [] });
    } finally {
      w.restore();
    }
  });

  it('every EXPOSEd port open: done at once, the app\'s other ports too', async () => {
    const w = world([{ at: 0, accept: 80 }, { at: 0, listen: { port: 9090, addr: '::' } }, { at: 0, listen: { port: 6060, addr: '127.0.0.1' } }]);
    try {
      const s = await settlePorts({ ...w.input, exposed: [80], waitMs: 60_000, graceMs: 5000 });
      expect(s).toMatchObject({ open: [80, 9090], missing: [], loopback: [6060], gone: false });
      expect(w.elapsed()).toBe(0);
    } finally {
      w.restore();
    }
  });

  it('nothing ever listens: every EXPOSEd port missing after the whole wait', async () => {
    const w = world([]);
    try {
      const s = await settlePorts({ ...w.input, exposed: [8080], waitMs: 3000, graceMs: 5000 });
      expect(s).toMatchObject({ open: [], missing: [8080], loopback: [], gone: false });
      expect(w.elapsed()).toBeGreaterThanOrEqual(3000);
    } finally {
      w.restore();
    }
  });
});
