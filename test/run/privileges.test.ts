// Issue 14: the traced app gets exactly the privileges `docker run` gives it, never the
// sensor's, and cannot attack the sensor or its trace. samples/trouble/privs prints its own
// /proc status lines, or (`privs hostile`) attacks its tracer.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectImage } from '../../src/image/engine-config.js';
import type { ImageConfig } from '../../src/image/types.js';
import { runTraced } from '../../src/run/index.js';
import type { RunOverrides } from '../../src/run/types.js';
import { exportedMeta, slim } from '../slim/e2e.js';
import { docker, ROOT, slimts } from '../helpers/docker.js';
import { leftovers, testLabel, testSensor, type TestSensor } from './sensor.js';

const IMAGE = 'slimts-trouble/privs:1';
let sensor: TestSensor;
let config: ImageConfig;

beforeAll(async () => {
  sensor = testSensor();
  execFileSync('bash', [join(ROOT, 'samples/build-image.sh'), IMAGE, join(ROOT, 'samples/trouble/privs')], { stdio: ['ignore', 'inherit', 'inherit'] });
  config = (await inspectImage(IMAGE)).config;
});
afterAll(() => sensor?.dispose());

/** What `docker run` prints for the same overrides. */
function plainLines(o: RunOverrides, cmd: string[] = []): string {
  const args = ['run', '--rm'];
  if (o.user) args.push('--user', o.user);
  for (const c of o.capAdd ?? []) args.push('--cap-add', c);
  for (const c of o.capDrop ?? []) args.push('--cap-drop', c);
  return docker([...args, IMAGE, ...cmd]).stdout;
}

async function traced(o: RunOverrides) {
  const labels = testLabel();
  const r = await runTraced({ image: IMAGE, config, overrides: o, labels, continueAfter: { mode: 'exit' }, sensor: { path: sensor.path } });
  try {
    return { stdout: r.stdout, stderr: r.stderr, privileges: r.appPrivileges, trace: r.trace.main ? readFileSync(r.trace.main, 'utf8') : '', files: readdirSync(r.trace.dir).sort() };
  } finally {
    await r.dispose();
    expect(leftovers(labels)).toEqual([]);
  }
}

describe('the traced app has the plain run\'s privileges', () => {
  const cases: Array<[string, RunOverrides]> = [
    ['root', {}],
    ['a non-root USER', { user: 'nobody' }],
    ['root with --cap-add NET_ADMIN --cap-drop CHOWN', { capAdd: ['NET_ADMIN'], capDrop: ['CHOWN'] }],
    ['a non-root USER with --cap-add SYS_PTRACE', { user: 'nobody', capAdd: ['SYS_PTRACE'] }],
    ['root with --cap-drop ALL --cap-add NET_BIND_SERVICE', { capDrop: ['ALL'], capAdd: ['NET_BIND_SERVICE'] }],
  ];
  it.concurrent.each(cases)('%s: the same capability, NoNewPrivs and Seccomp lines as docker run', async (_name, o) => {
    const plain = plainLines(o);
    expect(plain).toMatch(/^CapEff:\t[0-9a-f]{16}$/m);
    const t = await traced(o);
    expect(t.stdout).toBe(plain);
    // the report's record is what the app printed
    const f = (k: string) => new RegExp(`^${k}:\\t(\\S+)$`, 'm').exec(plain)![1];
    expect(t.privileges).toMatchObject({
      inheritable: f('CapInh'), permitted: f('CapPrm'), effective: f('CapEff'), bounding: f('CapBnd'), ambient: f('CapAmb'),
      noNewPrivs: false, traceHidden: true,
    });
    expect(t.privileges!.effectiveNames).not.toContain('SYS_ADMIN');
    expect(t.trace).toMatch(/^#slimts-trace 1 mode=ptrace\+seccomp /); // still traced without no_new_privs
  });
});

describe('a hostile app cannot attack the sensor or its trace', () => {
  it('every attempt fails and no bait path reaches the trace', async () => {
    const t = await traced({ cmd: ['/usr/local/bin/privs', 'hostile'] });
    const attempts = ['mount', 'ptrace-attach', 'ptrace-seize', 'kill-stop', 'append', 'part', 'link', 'procroot', 'procfd', 'sensor-binary'];
    for (const a of attempts) expect(t.stderr).toContain(`${a}: failed`);
    expect(t.stderr).not.toContain('SUCCEEDED');
    expect(t.trace).toMatch(/^#end .*exit=0 /m); // the sensor lived to finish its trace
    // a failed attempt is an event like any other (symlinkat ... EROFS names its target); none succeeded
    expect(t.trace).not.toMatch(/\t0\t[^\n]*\/opt\/hostile\//);
    expect(t.files).not.toContain('trace.77.done');
  });
});

describe('slimts build of the hostile image', () => {
  it('the slim image holds nothing the attempts named; the report records the sets the app ran with', async () => {
    const s = slim(IMAGE, ['--cmd', '/usr/local/bin/privs hostile', '--cap-add', 'cap_net_admin']);
    try {
      expect(s.status, s.stderr).toBe(0);
      const paths = [...(await exportedMeta(s.tag)).keys()];
      expect(paths).toContain('/usr/local/bin/privs');
      expect(paths.filter((p) => p.startsWith('/opt/hostile'))).toEqual([]);
      const app = s.report!.trace.app!;
      expect(app).toMatchObject({ traceHidden: true, noNewPrivs: false, seccomp: 2 });
      expect(app.effectiveNames).toContain('NET_ADMIN');
      expect(app.effectiveNames).not.toContain('SYS_ADMIN');
      expect(app.effectiveNames).not.toContain('SYS_PTRACE');
    } finally {
      s.cleanup();
    }
  });

  it('an unknown --cap-add is one line and exit 2', () => {
    const r = slimts(['build', IMAGE, '--cap-add', 'NET_ADMINX']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('slimts: --cap-add: unknown capability "NET_ADMINX"');
  });
});
