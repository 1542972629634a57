// When verify fails, the slim app's own last lines say why: printed under the notes, in the
// report (verify.appOutput, bounded and sanitized), and with --json a line on stderr still
// says that it failed.
import { describe, expect, it } from 'vitest';
import { buildSample, buildTrouble, ensureCli, slim } from './e2e.js';

// the wrongport sample imports json only when /data is asked: the slim image's /data then fails
const BREAK = ['--exclude', '/usr/lib/python3.11/json/encoder.py'];

describe('a failed verify shows the slim app\'s last output', () => {
  it('prints it and puts it in the report', () => {
    ensureCli();
    const image = buildTrouble('wrongport');
    const s = slim(image, BREAK);
    try {
      expect(s.status, s.stderr).toBe(3);
      expect(s.stdout).toMatch(/verify: FAILED/);
      expect(s.stdout).toMatch(/the slim app's last output:\n(  \| .*\n)*  \| .*(ImportError|ModuleNotFoundError).*encoder|JSONEncoder/);
      const out = s.report!.verify.appOutput!;
      expect(out.join('\n')).toMatch(/Traceback/);
      expect(out.length).toBeLessThanOrEqual(20);
      expect(Buffer.byteLength(out.join('\n'))).toBeLessThanOrEqual(4096);
      for (const l of out) expect(l).not.toMatch(/[\x00-\x08\x0a-\x1f\x7f]/);
    } finally {
      s.cleanup();
    }
  });

  it('a slim image that dies at start: its traceback, in the output and the report', () => {
    // flask imports json at start: without encoder.py the slim app dies before it listens
    const s = slim(buildSample('flask'), BREAK);
    try {
      expect(s.status, s.stderr).toBe(3);
      expect(s.stdout).toMatch(/  - the slim image did not run: the app exited with code 1/);
      expect(s.stdout).toMatch(/the slim app's last output:\n  \| Traceback/);
      expect(s.report!.verify.appOutput!.join("\n")).toMatch(/Traceback[\s\S]*(ImportError|ModuleNotFoundError).*encoder/);
    } finally {
      s.cleanup();
    }
  });

  it('with --json an exit-3 failure still says so on stderr', () => {
    const s = slim(buildTrouble('wrongport'), [...BREAK, '--json']);
    try {
      expect(s.status).toBe(3);
      expect(JSON.parse(s.stdout).verify.ok).toBe(false);
      expect(s.stderr.trim().split('\n')).toContainEqual(expect.stringMatching(/^slimts: verify FAILED: GET http:\/\/:8000\/data: was ok \(200\), now fails/));
    } finally {
      s.cleanup();
    }
  });
});
