// CLI output options: --json, --output (OCI layout, verified through a throwaway tag),
// config edits (--new-*/--remove-*), default tag NAME.slim:TAG, include options.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, docker, slimts } from '../helpers/docker.js';
import { buildTrouble, configOf, ensureCli, exportedMeta, slim } from './e2e.js';

const tmp = mkdtempSync(join(tmpdir(), 'slimts-e2e-opts-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('slimts build options', () => {
  let image: string;
  beforeAll(() => {
    ensureCli();
    image = buildTrouble('links');
  });

  it('--json prints the report; config edits apply and nothing else changes', () => {
    const s = slim(image, ['--json', '--new-label', 'slimmed=yes', '--new-env', 'MODE=slim', '--new-expose', '9000']);
    try {
      expect(s.status, s.stderr).toBe(0);
      const report = JSON.parse(s.stdout);
      expect(report.ok).toBe(true);
      expect(report.kept.length).toBeGreaterThan(0);
      const a = configOf(image);
      const b = configOf(s.tag);
      expect(b.Labels).toEqual({ ...(a.Labels as object ?? {}), slimmed: 'yes' });
      expect(b.Env).toEqual([...(a.Env as string[]), 'MODE=slim']);
      expect(b.ExposedPorts).toEqual({ ...(a.ExposedPorts as object ?? {}), '9000/tcp': {} });
      for (const k of ['Entrypoint', 'Cmd', 'User', 'WorkingDir', 'Volumes', 'StopSignal', 'Healthcheck', 'Shell', 'OnBuild']) expect(b[k], k).toEqual(a[k]);
    } finally {
      s.cleanup();
    }
  });

  it('--output writes an OCI layout and leaves no engine image', () => {
    const out = join(tmp, 'layout');
    const r = slimts(['build', image, '--output', out, '--report', join(tmp, 'r.json')]);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(out, 'oci-layout'))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')).manifests).toHaveLength(1);
    expect(docker(['image', 'inspect', 'slimts-trouble/links.slim:1'], { allowFail: true }).status).not.toBe(0);
    expect(docker(['images', '--filter', 'reference=slimts-verify/*', '-q']).stdout.trim()).toBe('');
  });

  it('the default tag is NAME.slim:TAG; --include-path, --include-exe and --exe add entries', async () => {
    const sensor = `${ROOT}/sensors/build/slimts-sensor`;
    // --exe as imagebuild reads it: no DEST → /usr/local/bin/NAME, a DEST ending in / → a directory
    const r = slimts(['build', image, '--include-path', '/usr/share/base-files', '--include-exe', 'ls',
      '--exe', sensor, '--exe', `${sensor}:/opt/tools/`, '--report', join(tmp, 'r2.json')]);
    const tag = 'slimts-trouble/links.slim:1';
    try {
      expect(r.status, r.stderr).toBe(0);
      const meta = await exportedMeta(tag);
      expect(meta.has('/usr/share/base-files/motd')).toBe(true);
      expect(meta.has('/usr/bin/ls')).toBe(true);
      expect(meta.get('/opt/tools/slimts-sensor')).toMatchObject({ uid: 0, gid: 0 });
      expect(meta.get('/opt/tools/slimts-sensor')!.mode & 0o111).not.toBe(0);
      expect(meta.get('/usr/local/bin/slimts-sensor')).toMatchObject({ uid: 0, gid: 0, mode: meta.get('/opt/tools/slimts-sensor')!.mode });
      // on the image's PATH, so found by name
      expect(docker(['run', '--rm', '--entrypoint', '/bin/sh', tag, '-c', 'command -v slimts-sensor']).stdout).toBe('/usr/local/bin/slimts-sensor\n');
      expect(meta.has('/usr/lib/x86_64-linux-gnu/libselinux.so.1')).toBe(true); // ls's NEEDED
      expect(docker(['run', '--rm', '--entrypoint', '/usr/bin/ls', tag, '/opt/real']).stdout).toMatch(/target\.txt/);
    } finally {
      docker(['rmi', '-f', tag], { allowFail: true });
    }
  });
});
