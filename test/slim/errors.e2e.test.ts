// Bad input: one-line errors, the right exit codes, nothing left behind, originals untouched.
import { beforeAll, describe, expect, it } from 'vitest';
import { docker, slimts } from '../helpers/docker.js';
import { buildSample, buildTrouble, ensureCli, slim } from './e2e.js';

function containers(image: string): string[] {
  return docker(['ps', '-aq', '--no-trunc', '--filter', 'label=io.slimts.run', '--filter', `ancestor=${image}`]).stdout.split('\n').filter(Boolean);
}
/** Run containers created while fn ran that still exist (parallel tests have their own: only new ones count). */
function leftBy<T>(image: string, fn: () => T): { result: T; left: string[] } {
  const before = new Set(containers(image));
  const result = fn();
  return { result, left: containers(image).filter((id) => !before.has(id)) };
}
function imageId(ref: string): string {
  return docker(['image', 'inspect', '-f', '{{.Id}}', ref]).stdout.trim();
}
function tagExists(tag: string): boolean {
  return docker(['image', 'inspect', tag], { allowFail: true }).status === 0;
}
/** stderr lines that are not progress lines */
function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.trim() !== '' && !/^slimts: [a-z]+\.\.\.$/.test(l));
}

describe('slimts build on bad input', () => {
  beforeAll(() => ensureCli());

  it('a missing image: exit 2, one line', () => {
    const s = slim('slimts-e2e/does-not-exist:1', ['--json']);
    expect(s.status).toBe(2);
    expect(errorLines(s.stderr)).toHaveLength(1);
    expect(s.stderr).toMatch(/not found/);
    expect(tagExists(s.tag)).toBe(false);
  });

  it('an engine that does not answer: exit 2, one line', () => {
    const r = slimts(['build', 'slimts-sample/nginx:1', '--json'], { env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
    expect(r.status).toBe(2);
    expect(errorLines(r.stderr)).toEqual([expect.stringMatching(/engine/)]);
  });

  it('no ENTRYPOINT nor CMD: exit 2, one line, no container started', () => {
    const image = buildTrouble('nocmd');
    const before = imageId(image);
    const s = slim(image, ['--json']);
    expect(s.status).toBe(2);
    expect(errorLines(s.stderr)).toEqual([expect.stringMatching(/ENTRYPOINT.*CMD/)]);
    expect(imageId(image)).toBe(before);
    expect(tagExists(s.tag)).toBe(false);
  });

  it('an app that exits non-zero at once: non-zero exit, nothing left', () => {
    const image = buildTrouble('failfast');
    const before = imageId(image);
    const { result: s, left } = leftBy(image, () => slim(image, ['--json']));
    expect(s.status).not.toBe(0);
    expect(s.stderr).toMatch(/exit|code 3/);
    expect(left).toEqual([]);
    expect(tagExists(s.tag)).toBe(false);
    expect(imageId(image)).toBe(before);
  });

  it('a port that never opens: a warning after --probe-wait, not a failure, nothing left', () => {
    const image = buildTrouble('noport');
    const t = Date.now();
    const { result: s, left } = leftBy(image, () => slim(image, ['--json', '--probe-wait', '3']));
    expect(s.status, s.stderr).toBe(0);
    expect(s.report!.trace.warnings.join('\n')).toMatch(/port 8080 is EXPOSEd but the app did not listen on it within 3 s/);
    expect(Date.now() - t).toBeLessThan(60_000);
    expect(left).toEqual([]);
    s.cleanup();
  });

  it('a slim image that does worse fails verify with exit 3 and a clear report', () => {
    const image = buildSample('nginx');
    const s = slim(image, ['--exclude', '/var/www/html/style.css']);
    expect(s.status).toBe(3);
    expect(s.stdout).toMatch(/verify: FAILED/);
    expect(s.stdout).toMatch(/style\.css/);
    expect(s.report!.verify.ok).toBe(false);
    s.cleanup();
  });
});
