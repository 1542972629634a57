// End to end through the CLI (dist/) and the real engine: images built from host programs run.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, ROOT, SLIMTS, slimts, uniqueName, WITHOUT_READ_ALL } from '../helpers/docker.js';
import { buildImagebuildFixtures, type BuildFixtures } from './fixtures.js';

let fx: BuildFixtures;
let tmp: string;
const tags: string[] = [];

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('dist/ missing: run `npx tsc -p .` first');
  fx = buildImagebuildFixtures();
  tmp = mkdtempSync(join(tmpdir(), 'slimts-ib-'));
});

afterAll(() => {
  // One by one with a retry: a busy engine (parallel suites) can refuse a batch removal.
  for (const t of tags) {
    for (let i = 0; i < 3 && docker(['image', 'inspect', t], { allowFail: true }).status === 0; i++) {
      const r = docker(['rmi', '-f', t], { allowFail: true });
      if (r.status !== 0) console.warn(`cleanup: docker rmi ${t}: ${r.stderr.trim()}`);
    }
  }
  fx?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Builds into the engine under a fresh tag and returns it. */
function build(args: string[]): string {
  const tag = `${uniqueName('slimts-ib')}:t`;
  tags.push(tag);
  const r = slimts(['imagebuild', ...args, '--tag', tag]);
  if (r.status !== 0) throw new Error(`imagebuild failed (${r.status}): ${r.stderr}`);
  expect(r.stdout.trim()).toBe(tag);
  return tag;
}

function run(tag: string, args: string[] = [], opts: string[] = []): string {
  const r = docker(['run', '--rm', '--network', 'none', ...opts, tag, ...args], { allowFail: true });
  if (r.status !== 0) throw new Error(`docker run ${tag} exited ${r.status}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

function inspect(tag: string) {
  return JSON.parse(docker(['image', 'inspect', tag]).stdout)[0] as {
    Size: number;
    Architecture: string;
    Os: string;
    Config: { Entrypoint: string[] | null; Cmd: string[] | null; Env: string[] | null; WorkingDir: string; User: string; ExposedPorts?: Record<string, object>; Labels?: Record<string, string> };
  };
}

describe('slimts imagebuild', () => {
  it('static exe: runs, and the image is the exe plus at most 4 KB', () => {
    const tag = build(['--exe', fx.staticHello]);
    expect(run(tag)).toBe('hello from slimts\n');
    const img = inspect(tag);
    expect(img.Size).toBeLessThanOrEqual(statSync(fx.staticHello).size + 4096);
    expect(img.Config.Entrypoint).toEqual(['/usr/local/bin/static-hello']);
    expect(img.Architecture).toBe('amd64');
    expect(img.Os).toBe('linux');
  });

  it('dynamic glibc exe runs in a scratch image', () => {
    const tag = build(['--exe', fx.dynHello]);
    expect(run(tag)).toBe('hello from slimts\n');
  });

  it('dynamic exe using zlib runs', () => {
    const tag = build(['--exe', fx.zlibUser]);
    expect(run(tag)).toMatch(/^zlib \d+\.\d+[.\d]* compressed 27 to \d+\n$/);
  });

  it('exe with DT_RUNPATH $ORIGIN/../lib and with inherited DT_RPATH run at their new place', () => {
    expect(run(build(['--exe', fx.greetRunpath]))).toBe('greetings\n');
    expect(run(build(['--exe', `${fx.greetRpath}:/opt/greet/bin/greet`]))).toBe('inner\n');
  });

  it('shell script exe runs with its interpreter; #!/usr/bin/env bash too', () => {
    const tag = build(['--exe', fx.script, '--cmd', 'world']);
    expect(run(tag)).toBe('script says world\n');
    expect(run(build(['--exe', fx.envScript]))).toMatch(/^bash \d+ says hi\n$/);
  });

  it('several exes and --path trees keep modes and symlinks; config flags land in the image', () => {
    const tag = build([
      '--exe', '/bin/ls', '--exe', '/bin/cat:/opt/tools/', '--path', `${fx.dataDir}:/data`,
      '--cmd', '-ln /data/sub', '--env', 'GREETING=hi there', '--env', 'EMPTY=', '--workdir', '/data',
      '--user', '0:0', '--expose', '8080', '--expose', '53/udp', '--label', 'org.example.k=v=w',
    ]);
    expect(run(tag)).toMatch(/^-rw------- 1 0 0 5 .* b\.txt\n$/m);
    expect(run(tag, ['b-link'], ['--entrypoint', '/opt/tools/cat'])).toBe('beta\n');
    const c = inspect(tag).Config;
    expect(c.Entrypoint).toEqual(['/usr/local/bin/ls']);
    expect(c.Cmd).toEqual(['-ln', '/data/sub']);
    expect(c.Env).toEqual(expect.arrayContaining(['GREETING=hi there', 'EMPTY=']));
    expect(c.WorkingDir).toBe('/data');
    expect(c.User).toBe('0:0');
    expect(Object.keys(c.ExposedPorts ?? {}).sort()).toEqual(['53/udp', '8080/tcp']);
    expect(c.Labels).toEqual({ 'org.example.k': 'v=w' });
  });

  it('--entrypoint as a plain string is split without a shell', () => {
    const tag = build(['--exe', fx.script, '--entrypoint', `/usr/local/bin/hello.sh "two words"`]);
    expect(inspect(tag).Config.Entrypoint).toEqual(['/usr/local/bin/hello.sh', 'two words']);
    expect(run(tag)).toBe('script says two words\n');
  });

  it('--output x.tar writes an OCI archive skopeo reads; other paths an OCI layout', () => {
    const tar = join(tmp, 'x.tar');
    const r = slimts(['imagebuild', '--exe', fx.dynHello, '--output', tar, '--label', 'a=b']);
    expect(r.status, r.stderr).toBe(0);
    const s = spawnSync('skopeo', ['inspect', `oci-archive:${tar}`]);
    expect(s.status, s.stderr?.toString()).toBe(0);
    const info = JSON.parse(s.stdout.toString());
    expect(info.Architecture).toBe('amd64');
    expect(info.Labels).toEqual({ a: 'b' });
    const dir = join(tmp, 'layout');
    expect(slimts(['imagebuild', '--exe', fx.staticHello, '--output', dir]).status).toBe(0);
    const d = spawnSync('skopeo', ['inspect', `oci:${dir}`]);
    expect(d.status, d.stderr?.toString()).toBe(0);
    expect(JSON.parse(d.stdout.toString()).Os).toBe('linux');
  });

  describe('--from a base image', () => {
    const BASE = process.env.SLIMTS_BASE_TAG ?? 'slimts-base/bookworm:minbase';

    it('ships only what the base lacks and stacks the layer on top', () => {
      const tag = `${uniqueName('slimts-ib')}:t`;
      tags.push(tag);
      const r = slimts(['imagebuild', '--from', BASE, '--exe', fx.zlibUser, '--tag', tag, '--verbose', '--env', 'EXTRA=1']);
      expect(r.status, r.stderr).toBe(0);
      // The base has glibc and zlib: only the executable goes in the new layer.
      expect(r.stderr).toMatch(/^ {2}\/usr\/local\/bin\/zuser {2}\(--exe /m);
      expect(r.stderr).not.toMatch(/libc\.so\.6|libz\.so/);
      expect(run(tag)).toMatch(/^zlib /);
      const base = JSON.parse(docker(['image', 'inspect', BASE]).stdout)[0];
      const img = JSON.parse(docker(['image', 'inspect', tag]).stdout)[0];
      expect(img.RootFS.Layers.slice(0, -1)).toEqual(base.RootFS.Layers);
      expect(img.RootFS.Layers).toHaveLength(base.RootFS.Layers.length + 1);
      expect(img.Config.Env).toEqual(expect.arrayContaining(['EXTRA=1', ...(base.Config.Env ?? [])]));
      expect(img.Config.Entrypoint).toEqual(['/usr/local/bin/zuser']);
    });

    it('keeps the base dirs and symlinks: files go through /lib -> usr/lib, /tmp stays 1777', () => {
      const tag = `${uniqueName('slimts-ib')}:t`;
      tags.push(tag);
      const note = join(tmp, 'note.txt');
      writeFileSync(note, 'note\n');
      const r = slimts(['imagebuild', '--from', BASE, '--exe', `${fx.staticHello}:/lib/hello`, '--path', `${note}:/tmp/note.txt`, '--tag', tag]);
      expect(r.status, r.stderr).toBe(0);
      expect(inspect(tag).Config.Entrypoint).toEqual(['/usr/lib/hello']);
      const out = run(tag, ['-c', 'stat -c "%n %A" /tmp /lib /usr/lib/hello /tmp/note.txt'], ['--entrypoint', '/bin/sh']);
      expect(out).toBe('/tmp drwxrwxrwt\n/lib lrwxrwxrwx\n/usr/lib/hello -rwxr-xr-x\n/tmp/note.txt -rw-r--r--\n');
      expect(run(tag)).toBe('hello from slimts\n');
    });
  });

  describe('bad input: one line, non-zero, nothing loaded or written', () => {
    let before: Set<string>;
    let n = 0;
    const prefix = uniqueName('slimts-ib-bad');
    beforeAll(() => {
      before = new Set(docker(['images', '-q', '--no-trunc']).stdout.split('\n').filter(Boolean));
    });
    afterAll(() => {
      // No image with our tags appeared (other suites may load images in parallel).
      const now = docker(['images', '--format', '{{.Repository}}']).stdout;
      expect(now).not.toContain(prefix);
      void before;
    });

    function rejects(args: string[], why: RegExp, runAs: string[] = []) {
      const tag = `${prefix}-${n++}:t`;
      const out = join(tmp, `bad-${n}.tar`);
      const extras = args.includes('--tag') ? [['--output', out]] : [['--tag', tag], ['--output', out]];
      for (const extra of extras) {
        const argv = [...runAs, 'node', SLIMTS, 'imagebuild', ...args, ...extra];
        const r = spawnSync(argv[0]!, argv.slice(1), { input: '' });
        const err = r.stderr.toString();
        expect(r.status, err).not.toBe(0);
        expect(r.stdout.toString()).toBe('');
        expect(err.endsWith('\n')).toBe(true);
        expect(err.trimEnd().split('\n'), err).toHaveLength(1);
        expect(err).toMatch(/^slimts: /);
        expect(err).toMatch(why);
      }
      expect(docker(['image', 'inspect', tag], { allowFail: true }).status).not.toBe(0);
      expect(existsSync(out)).toBe(false);
    }

    it('missing file, directory, unreadable, non-ELF without #!', () => {
      rejects(['--exe', join(fx.dir, 'nope')], /^slimts: --exe .*\/nope: no such file on this host$/m);
      rejects(['--exe', fx.dir], /^slimts: --exe .*: is a directory, not an executable$/m);
      rejects(['--exe', '/proc/self/mem'], /cannot read/);
      rejects(['--exe', fx.textFile], /not an ELF executable or a #! script/);
      rejects(['--exe', fx.staticHello, '--path', join(fx.dir, 'nope')], /--path .*no such file/);
    });

    it('a malformed --exe: the grammar build uses, the same line (test/slim/bad-input.e2e.test.ts)', () => {
      rejects(['--exe', `${fx.staticHello}:usr/bin/hello`], /^slimts: --exe ".*static-hello:usr\/bin\/hello": DEST must be an absolute image path/);
      rejects(['--exe', `${fx.staticHello}:`], /^slimts: --exe ".*static-hello:": empty DEST/);
      rejects(['--exe', `${fx.staticHello}:/..`], /^slimts: --exe ".*": DEST must name a file, not \/$/m);
    });

    it('unreadable for the user running slimts', () => {
      const dir = mkdtempSync(join(tmp, 'perm-'));
      chmodSync(dir, 0o755);
      const secret = join(dir, 'secret');
      writeFileSync(secret, '#!/bin/sh\necho hi\n', { mode: 0o711 });
      chmodSync(secret, 0o711);
      // another user's, executable but not readable by others; root reads everything, so slimts
      // runs without the capabilities for that (the output dir stays writable: the check means something)
      chownSync(secret, 65534, 65534);
      rejects(['--exe', secret], /cannot read: EACCES/, WITHOUT_READ_ALL);
    });

    it('wrong architecture for --platform, malformed platform', () => {
      rejects(['--exe', fx.dynHello, '--platform', 'linux/arm64'], /--platform linux\/arm64: .* is built for amd64/);
      rejects(['--exe', fx.staticHello, '--platform', 'arm64'], /--platform/);
    });

    it('malformed --env, --label, --expose, --entrypoint', () => {
      rejects(['--exe', fx.staticHello, '--env', 'NOVALUE'], /--env: expected KEY=VALUE/);
      rejects(['--exe', fx.staticHello, '--label', '=v'], /--label: expected KEY=VALUE/);
      rejects(['--exe', fx.staticHello, '--expose', '70000'], /--expose/);
      rejects(['--exe', fx.staticHello, '--expose', 'http'], /--expose/);
      rejects(['--exe', fx.staticHello, '--entrypoint', '["a", 1]'], /--entrypoint/);
      rejects(['--exe', fx.staticHello, '--tag', 'Bad Name'], /invalid image name/);
    });

    it('--from an image that does not exist', () => {
      rejects(['--exe', fx.staticHello, '--from', `${prefix}-nosuchbase:latest`], /.+/);
    });

    it('unresolvable library', () => {
      rejects(['--exe', fx.greetMissing], /cannot resolve library libgreet\.so/);
    });

    it('left nothing in the output dir', () => {
      expect(readdirSync(tmp).filter((f) => f.startsWith('bad-'))).toEqual([]);
    });
  });
});
