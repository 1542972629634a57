// Classes of trouble (samples/trouble/*): each slimmed with default flags must behave like the
// original and keep the original metadata of what it keeps.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker } from '../helpers/docker.js';
import { buildTrouble, ensureCli, exportedMeta, metadataDiffs, sameAnswers, slimmedOnce } from './e2e.js';

const once = slimmedOnce();
const slimOk = once.slimOk;
beforeAll(() => ensureCli());
afterAll(() => once.cleanup());

function runOnce(ref: string) {
  const r = docker(['run', '--rm', ref], { allowFail: true });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('trouble samples', () => {
  it('python: stat-only landmarks, .pth paths and PEP 420 namespace packages', async () => {
    const image = buildTrouble('pyimports');
    const s = slimOk(image);
    const a = runOnce(image);
    const b = runOnce(s.tag);
    expect(b.status, b.stderr).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    expect(b.stdout).toContain("nspkg a b ['dist-packages', 'extra']");
    expect(b.stderr).not.toMatch(/Could not find platform/);
    expect(await metadataDiffs(image, s.tag)).toEqual([]);
  });

  it('a file capability (cap_net_bind_service) binding port 80 as nobody', async () => {
    const image = buildTrouble('fcaps');
    const s = slimOk(image);
    const { results } = await sameAnswers(image, s.tag, 80, ['/']);
    expect(results[0]!.b.body).toBe(results[0]!.a.body);
    expect(results[0]!.b.body).toMatch(/fcaps ok uid=65534/);
    const meta = await exportedMeta(s.tag);
    expect(Object.keys(meta.get('/usr/local/bin/pyserve')!.xattrs)).toContain('security.capability');
    expect(await metadataDiffs(image, s.tag)).toEqual([]);
  });

  it('hardlinks, absolute/relative symlink chains, long and non-ASCII names', async () => {
    const image = buildTrouble('links');
    const s = slimOk(image);
    const a = runOnce(image);
    const b = runOnce(s.tag);
    expect(b.status, b.stderr).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    const meta = await exportedMeta(s.tag);
    for (const p of ['/opt/current', '/opt/step2', '/usr/local/share/entry', '/opt/real/target.txt', '/srv/hard2.txt',
      '/opt/real/shared.txt', '/opt/real/hard1.txt', '/opt/données/été/café.txt']) expect(meta.has(p), p).toBe(true);
    expect([...meta.keys()].some((p) => p.length > 100)).toBe(true);
    expect(meta.get('/opt/step2')!.linkname).toBe('current/target.txt');
    expect(await metadataDiffs(image, s.tag)).toEqual([]);
  });

  it('state the app wrote at run time is not in the output, changed files keep their bytes', async () => {
    const image = buildTrouble('statefulinit');
    const s = slimOk(image);
    const meta = await exportedMeta(s.tag);
    expect(meta.has('/var/lib/app/state')).toBe(false);
    expect(meta.has('/var/lib/app/state/initialized')).toBe(false);
    const b = runOnce(s.tag);
    expect(b.stdout.trim()).toBe('initialized fresh');
    // only what the app used is there (no cat): read the file with the shell it ran
    const seed = docker(['run', '--rm', '--entrypoint', '/bin/sh', s.tag, '-c', 'while read -r l; do echo "$l"; done < /var/lib/app/seed.txt'], { allowFail: true });
    expect(seed.stdout).toBe('seed\n');
    expect(await metadataDiffs(image, s.tag)).toEqual([]);
  });
});
