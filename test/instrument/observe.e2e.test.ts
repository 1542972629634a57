// `slimts instrument` + `build --observations`, end to end on the real engine: the sample's own
// suite (samples/observe/e2e.sh) is run against the instrumented container, and the slim image
// built from what it observed (with --no-references) passes that suite, while one built without
// fails it. Also: capabilities, exit codes, signals and stdin as with the original; SIGKILL;
// replicas sharing a dir; a non-root image with a health check; ptrace forbidden; bad files.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, docker, slimts, uniqueName } from '../helpers/docker.js';
import { readObservation } from '../../src/trace/observation.js';
import type { BuildReport } from '../../src/slim/index.js';
import { buildSample, ensureCli } from '../slim/e2e.js';
import { schemaFromMarkdown, validate } from '../slim/schema-check.js';

const APP = 'slimts-observe/app:1';
const E2E = join(ROOT, 'samples/observe/e2e.sh');
const tmp = mkdtempSync(join(tmpdir(), 'slimts-observe-'));
const images: string[] = [];
const containers: string[] = [];
let instrumented = '';
let original = '';

function instrumentOk(image: string): string {
  const tag = `${uniqueName('slimts-observe/i')}:1`;
  const r = slimts(['instrument', image, '--tag', tag]);
  expect(r.status, r.stderr).toBe(0);
  images.push(tag);
  return tag;
}

function run(args: string[]): string {
  const name = uniqueName('slimts-observe-run');
  containers.push(name);
  docker(['run', '-d', '--name', name, ...args]);
  return name;
}

const ipOf = (name: string) => docker(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', name]).stdout.trim();

/** The sample's suite against a container; waits for the app to listen first. */
async function suite(name: string): Promise<{ status: number; out: string }> {
  const url = `http://${ipOf(name)}:8080`;
  for (let i = 0; i < 60; i++) {
    if (spawnSync('curl', ['-fsS', '--max-time', '2', `${url}/`]).status === 0) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const r = spawnSync('bash', [E2E, url]);
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** CapEff/CapBnd/uid of the process running `comm` in a container. */
function appStatus(name: string, comm: string): string {
  const script = `for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = "${comm}" ] && grep -E '^(CapEff|CapPrm|CapBnd|Uid)' $p/status && exit 0; done; exit 1`;
  return docker(['exec', name, 'sh', '-c', script]).stdout;
}

function obsDir(): string {
  const d = mkdtempSync(join(tmp, 'obs-'));
  chmodSync(d, 0o1777);
  return d;
}

function build(extra: string[]): { status: number; stderr: string; tag: string; report?: BuildReport } {
  const tag = `${uniqueName('slimts-observe/slim')}:1`;
  images.push(tag);
  const report = join(tmp, `${uniqueName('report')}.json`);
  const r = slimts(['build', APP, '--no-references', '--tag', tag, '--report', report, ...extra]);
  let rep: BuildReport | undefined;
  try { rep = JSON.parse(readFileSync(report, 'utf8')) as BuildReport; } catch { /* none on error */ }
  return { status: r.status, stderr: r.stderr, tag, report: rep };
}

beforeAll(() => {
  ensureCli();
  execFileSync('bash', [join(ROOT, 'samples/build-image.sh'), APP, join(ROOT, 'samples/observe')], { stdio: 'inherit' });
  original = docker(['image', 'inspect', '-f', '{{.Id}}', APP]).stdout.trim();
  instrumented = instrumentOk(APP);
});

afterAll(() => {
  for (const c of containers) docker(['rm', '-f', '-v', '-v', c], { allowFail: true });
  for (const i of images) docker(['rmi', '-f', i], { allowFail: true });
  rmSync(tmp, { recursive: true, force: true });
});

describe('slimts instrument', () => {
  it('keeps every config field but the entrypoint, and adds one layer with one history entry', () => {
    const a = JSON.parse(docker(['image', 'inspect', APP]).stdout)[0];
    const b = JSON.parse(docker(['image', 'inspect', instrumented]).stdout)[0];
    const { Entrypoint: ea, ...restA } = a.Config;
    const { Entrypoint: eb, ...restB } = b.Config;
    expect(restB).toEqual(restA);
    expect(ea).toBeNull();
    expect(eb.slice(0, 5)).toEqual(['/.slimts-observe/slimts-sensor', '--observe', '/var/lib/slimts/observations', '--image', original]);
    expect(b.RootFS.Layers.slice(0, -1)).toEqual(a.RootFS.Layers);
    expect(b.RootFS.Layers.length).toBe(a.RootFS.Layers.length + 1);
    const hist = JSON.parse(docker(['history', '--no-trunc', '--format', '{{json .CreatedBy}}', instrumented]).stdout.split('\n')[0]!);
    expect(hist).toContain(`slimts instrument ${original}`);
  });

  it('--output writes an OCI archive with the same wrapped config', () => {
    const out = join(tmp, 'instrumented.tar');
    const r = slimts(['instrument', APP, '--output', out, '--max-size', '1m']);
    expect(r.status, r.stderr).toBe(0);
    const cfg = JSON.parse(execFileSync('skopeo', ['inspect', '--config', `oci-archive:${out}`]).toString());
    expect(cfg.config.Entrypoint).toEqual(['/.slimts-observe/slimts-sensor', '--observe', '/var/lib/slimts/observations', '--image', original, '--max-bytes', '1048576', '--cpus', 'all', '--preload', '/.slimts-observe/slimts-preload.so', '--']);
    expect(cfg.config.Cmd).toEqual(['python3', '/app/app.py']);
  });

  it('gives the app the capabilities and user of the original under the same docker run', () => {
    for (const flags of [[], ['--cap-drop', 'CHOWN', '--cap-add', 'NET_ADMIN'], ['--user', '1000:1000']]) {
      const a = run([...flags, APP]);
      const b = run([...flags, '--tmpfs', '/var/lib/slimts/observations:mode=1777', instrumented]);
      // the original app is PID 1; the instrumented one is the sensor's child, same program
      let sa = '';
      let sb = '';
      for (let i = 0; i < 40 && (!sa || !sb); i++) {
        try { sa ||= appStatus(a, 'python3'); sb ||= appStatus(b, 'python3'); } catch { /* not up yet */ }
        if (!sa || !sb) execFileSync('sleep', ['0.25']);
      }
      expect(sa).toMatch(/CapEff/);
      expect(sb, `flags ${flags.join(' ')}`).toBe(sa);
    }
  });

  it('keeps exit codes, signals (PID 1 rules) and stdin as with the original', () => {
    const both = (args: string[], input?: string) => [APP, instrumented].map((img) => {
      const r = spawnSync('docker', ['run', '--rm', '-i', '--tmpfs', '/var/lib/slimts/observations:mode=1777', img, ...args], { input: input ?? '' });
      return { status: r.status, stdout: r.stdout.toString() };
    });
    const [e1, e2] = both(['sh', '-c', 'exit 7']);
    expect(e2).toEqual(e1);
    expect(e1!.status).toBe(7);
    const [s1, s2] = both(['cat'], 'from stdin\n');
    expect(s2).toEqual(s1);
    expect(s1!.stdout).toBe('from stdin\n');
    // a trap sees docker stop's SIGTERM; an app without a handler (as PID 1) does not and is killed
    for (const [cmd, want] of [[['sh', '-c', 'trap "exit 5" TERM; while :; do sleep 0.1; done'], 5], [['sleep', '60'], 137]] as const) {
      const codes = [APP, instrumented].map((img) => {
        const n = run(['--tmpfs', '/var/lib/slimts/observations:mode=1777', img, ...cmd]);
        execFileSync('sleep', ['1']);
        docker(['stop', '-t', '2', n]);
        return Number(docker(['inspect', '-f', '{{.State.ExitCode}}', n]).stdout.trim());
      });
      expect(codes, cmd.join(' ')).toEqual([want, want]);
    }
  });

  it('records the e2e suite\'s run; the slim image built from it passes the suite, one built without fails', async () => {
    const dir = obsDir();
    const c = run(['-v', `${dir}:/var/lib/slimts/observations`, instrumented]);
    expect((await suite(c)).status).toBe(0);
    execFileSync('sleep', ['1.5']); // the sensor writes at least once a second
    // killed mid-run: no #end line, the events so far are there
    docker(['kill', '-s', 'KILL', c]);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^obs-[A-Za-z0-9._]+-\d+-\d+-[0-9a-f]{12}\.slimobs$/);
    const obs = readObservation(join(dir, files[0]!));
    expect(obs.image).toBe(original);
    expect(obs.mode).toBe('seccomp-notify-nnp'); // plain docker run: no ptrace, no CAP_SYS_ADMIN
    expect(obs.complete).toBe(false);
    expect(obs.events.some((e) => e.path.includes('_decimal'))).toBe(true);

    // hostile neighbours in the same dir: skipped or used in part, each with a warning
    const text = readFileSync(join(dir, files[0]!), 'utf8');
    const lines = text.split('\n');
    writeFileSync(join(dir, 'cut.slimobs'), text.slice(0, Math.floor(text.length / 2)));
    writeFileSync(join(dir, 'climb.slimobs'), [...lines.slice(0, 2), '1\t7\topenat\tr\t0\t/app/../etc/shadow', '2\t7\topenat\tr\t0\tetc/passwd', ''].join('\n'));
    const fd = openSync(join(dir, 'huge.slimobs'), 'w');
    ftruncateSync(fd, 1 << 30); // sparse: no disk used
    closeSync(fd);
    writeFileSync(join(dir, 'garbage.slimobs'), Buffer.from([0, 1, 2, 255, 10, 10]));

    const withObs = build(['--observations', dir]);
    expect(withObs.status, withObs.stderr).toBe(0);
    expect(withObs.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(withObs.stderr).toMatch(/huge\.slimobs: skipped: 1073741824 bytes/);
    expect(withObs.stderr).toMatch(/garbage\.slimobs: skipped: not an observation/);
    expect(withObs.stderr).toMatch(/climb\.slimobs: 2 malformed lines ignored/);
    expect(withObs.stderr).toMatch(/cut\.slimobs: incomplete/);
    const rep = withObs.report!;
    expect(rep.observations!.runs.length).toBe(3);
    expect(rep.kept.some((k) => k.path === '/etc/shadow' && k.reasons.some((r) => r.startsWith('observed')))).toBe(false);
    const dec = rep.kept.find((k) => k.path.includes('_decimal') && k.type === 'file')!;
    expect(dec.reasons.join('; ')).toMatch(/observed open of \S*_decimal\S* in \d of 3 runs \(/);
    expect(validate(schemaFromMarkdown(join(ROOT, 'src/slim/SCHEMA.md')), rep)).toEqual([]);
    const a = run([withObs.tag]);
    expect(await suite(a)).toMatchObject({ status: 0 });

    const without = build([]);
    expect(without.status, without.stderr).toBe(0);
    const b = run([without.tag]);
    const failed = await suite(b);
    expect(failed.status, failed.out).toBe(1);
  });

  it('refuses another image\'s observations with one line and exit 2', () => {
    const other = mkdtempSync(join(tmp, 'other-'));
    writeFileSync(join(other, 'x.slimobs'), `#slimts-trace 1 mode=ptrace pid=7 start=1\n#observation 1\timage=sha256:${'ab'.repeat(32)}\thost=h\n1\t7\topenat\tr\t0\t/etc/passwd\n`);
    const r = slimts(['build', APP, '--json', '--observations', other, '--tag', 'slimts-observe/never:1']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^slimts: --observations .*x\.slimobs: recorded from image sha256:abab.*, not sha256:/)]);
    const huge = join(other, 'huge.slimobs');
    rmSync(join(other, 'x.slimobs'));
    const fd = openSync(huge, 'w');
    ftruncateSync(fd, 1 << 30);
    closeSync(fd);
    const h = slimts(['build', APP, '--json', '--observations', huge, '--tag', 'slimts-observe/never:1']);
    expect(h.status).toBe(2);
    expect(h.stderr.trim().split('\n')).toHaveLength(1);
    expect(h.stderr).toMatch(/^slimts: --observations .*no usable observation file .*more than an observation can be/);
  });

  it('two replicas writing to one directory leave two files, both whole', async () => {
    const dir = obsDir();
    const a = run(['-v', `${dir}:/var/lib/slimts/observations`, instrumented]);
    const b = run(['-v', `${dir}:/var/lib/slimts/observations`, instrumented]);
    expect((await suite(a)).status).toBe(0);
    expect((await suite(b)).status).toBe(0);
    // the app has no SIGTERM handler: as PID 1 it ignores it (so does the instrumented one) until SIGKILL
    docker(['stop', '-t', '1', a, b]);
    const files = readdirSync(dir).sort();
    expect(files).toHaveLength(2);
    const obs = files.map((f) => readObservation(join(dir, f)));
    expect(new Set(obs.map((o) => o.host)).size).toBe(2);
    for (const o of obs) expect(o.events.some((e) => e.path.includes('sqlite3'))).toBe(true);
  });

  it('a non-root image with a health check: healthy, and it records into a named volume', () => {
    const image = buildSample('nonroot-health');
    const tag = instrumentOk(image);
    const vol = uniqueName('slimts-observe-vol');
    try {
      const c = run(['-v', `${vol}:/var/lib/slimts/observations`, tag]);
      let health = '';
      for (let i = 0; i < 80 && health !== 'healthy'; i++) {
        execFileSync('sleep', ['0.25']);
        health = docker(['inspect', '-f', '{{.State.Health.Status}}', c]).stdout.trim();
      }
      expect(health).toBe('healthy');
      expect(appStatus(c, 'python3')).toMatch(/Uid:\s+1000\s/);
      docker(['stop', '-t', '1', c]);
      const ls = docker(['run', '--rm', '-v', `${vol}:/o`, '--entrypoint', 'sh', image, '-c', 'ls -n /o; cat /o/*.slimobs']).stdout;
      expect(ls).toMatch(/-rw-r--r-- 1 1000 1000 .* obs-.*\.slimobs/);
      expect(ls).toMatch(/\/home\/app\/server\.py/);
    } finally {
      for (const c of containers.splice(0)) docker(['rm', '-f', '-v', c], { allowFail: true });
      docker(['volume', 'rm', '-f', vol], { allowFail: true });
    }
  });

  it('where the runtime forbids seccomp filters the ptrace fallback records', async () => {
    const profile = join(tmp, 'no-seccomp.json');
    writeFileSync(profile, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['seccomp'], action: 'SCMP_ACT_ERRNO' }] }));
    const dir = obsDir();
    const c = run(['--security-opt', `seccomp=${profile}`, '-v', `${dir}:/var/lib/slimts/observations`, instrumented]);
    expect((await suite(c)).status).toBe(0);
    execFileSync('sleep', ['1.5']);
    const [file] = readdirSync(dir);
    const obs = readObservation(join(dir, file!));
    expect(obs.mode).toBe('ptrace');
    expect(obs.events.some((e) => e.path.includes('_decimal'))).toBe(true);
  });

  it('where the runtime forbids ptrace and seccomp filters the app starts normally and the sensor says so once', async () => {
    const profile = join(tmp, 'no-ptrace.json');
    writeFileSync(profile, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['ptrace', 'seccomp'], action: 'SCMP_ACT_ERRNO' }] }));
    const dir = obsDir();
    const c = run(['--security-opt', `seccomp=${profile}`, '-v', `${dir}:/var/lib/slimts/observations`, instrumented]);
    expect((await suite(c)).status).toBe(0);
    const logs = docker(['logs', c]);
    const said = `${logs.stdout}${logs.stderr}`.split('\n').filter((l) => l.startsWith('slimts-sensor:'));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/cannot trace .*forbids ptrace and seccomp user notification/);
  });
});
