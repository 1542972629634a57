// The static sensor inside containers of the sample base (Docker's default seccomp profile,
// only SYS_PTRACE + SYS_ADMIN added): nginx master/workers until docker stop, a file-capability
// binary as non-root, fanotify catching docker exec'd commands, and the --append exec helper.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTraceSet, type TraceSet } from '../../src/trace/index.js';
import { buildImage, docker, uniqueName } from '../helpers/docker.js';
import { SENSOR, buildSensor, tempDir } from './helpers.js';

const IMAGE = 'slimts-test/sensor:1';
const CAPS = ['--cap-add', 'SYS_PTRACE', '--cap-add', 'SYS_ADMIN'];
// Docker lets anyone bind low ports by default; restore the kernel default so the
// capability test means something.
const LOWPORTS = ['--sysctl', 'net.ipv4.ip_unprivileged_port_start=1024'];
const containers: string[] = [];
let tmp: ReturnType<typeof tempDir>;

beforeAll(() => {
  buildSensor();
  buildImage(IMAGE, join(import.meta.dirname, 'fixtures/image'));
  tmp = tempDir();
});
afterAll(() => {
  for (const c of containers) docker(['rm', '-f', '-v', c], { allowFail: true });
  tmp?.cleanup();
});

/** Creates a container whose entrypoint is the sensor (copied in), and starts it. */
function startTraced(runArgs: string[], sensorArgs: string[], cmd: string[]): string {
  const name = uniqueName('slimts-sensor-test');
  containers.push(name);
  docker(['create', '--name', name, '--network', 'none', ...runArgs, '--entrypoint', '/slimts-sensor', IMAGE,
    ...sensorArgs, '--trace', '/trace/t', '--ready', '/trace/ready', '--', ...cmd]);
  docker(['cp', SENSOR, `${name}:/slimts-sensor`]);
  docker(['cp', tmp.dir + '/.', `${name}:/trace`]); // creates /trace
  docker(['start', name]);
  return name;
}

async function waitReady(name: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (docker(['exec', name, 'test', '-e', '/trace/ready'], { allowFail: true }).status === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name}: sensor never became ready: ${docker(['logs', name], { allowFail: true }).stderr}`);
}

function collect(name: string): { trace: TraceSet; exit: number; logs: string } {
  const dest = join(tmp.dir, name);
  docker(['cp', `${name}:/trace`, dest]);
  const exit = Number(docker(['inspect', '-f', '{{.State.ExitCode}}', name]).stdout.trim());
  const l = docker(['logs', name], { allowFail: true });
  return { trace: readTraceSet(join(dest, 't')), exit, logs: l.stdout + l.stderr };
}

describe('sensor in containers', () => {
  it('traces nginx master and workers until docker stop (SIGQUIT)', async () => {
    const name = startTraced(CAPS, [], ['nginx', '-g', 'daemon off;']);
    await waitReady(name);
    // A request through a worker (bash's /dev/tcp: no client tools in the image).
    let page = '';
    for (let i = 0; i < 50 && !page.includes('nginx'); i++) {
      page = docker(['exec', name, 'bash', '-c', 'exec 3<>/dev/tcp/127.0.0.1/80; printf "GET / HTTP/1.0\\r\\n\\r\\n" >&3; cat <&3'], { allowFail: true }).stdout;
      if (!page.includes('nginx')) await new Promise((r) => setTimeout(r, 100));
    }
    expect(page).toContain('Welcome to nginx');
    docker(['stop', '-t', '20', name]);
    const { trace, exit, logs } = collect(name);
    expect(exit, logs).toBe(0); // nginx's graceful SIGQUIT exit, forwarded by the sensor
    expect(trace.complete).toBe(true);
    expect(trace.header?.mode).toBe('ptrace+seccomp');
    const ev = trace.events;
    const master = trace.header!.pid;
    expect(ev.some((e) => e.syscall === 'execve' && e.path === '/usr/sbin/nginx' && e.result === '0')).toBe(true);
    expect(ev.some((e) => e.path === '/etc/nginx/nginx.conf' && e.intent === 'r')).toBe(true);
    expect(ev.some((e) => e.path === '/etc/nginx/mime.types')).toBe(true);
    expect(ev.some((e) => e.path === '/etc/passwd')).toBe(true); // "user www-data" lookup
    const served = ev.filter((e) => e.path === '/var/www/html/index.nginx-debian.html' && e.result === '0');
    expect(served.length).toBeGreaterThan(0);
    expect(served.every((e) => e.pid !== master)).toBe(true); // a worker opened it
    expect(trace.summary!.processes).toBeGreaterThanOrEqual(2);
  });

  it('keeps file capabilities working: cap_net_bind_service binary binds :80 as nobody', () => {
    const bind = ['/usr/local/bin/py-bind', '-S', '-c', 'import socket; s = socket.socket(); s.bind(("0.0.0.0", 80)); print("bound")'];
    const name = startTraced([...CAPS, ...LOWPORTS], ['--user', 'nobody'], bind);
    docker(['wait', name]);
    const { trace, exit, logs } = collect(name);
    expect(exit, logs).toBe(0);
    expect(logs).toContain('bound');
    expect(trace.header?.mode).toBe('ptrace+seccomp');
    expect(trace.events.some((e) => e.syscall === 'execve' && e.path === '/usr/local/bin/py-bind' && e.result === '0')).toBe(true);
  });

  it('setuid binaries elevate as in production; with no_new_privs they would not (why the filter is installed without it)', () => {
    // passwd -S reads /etc/shadow only as its setuid owner, root: "L" (locked) comes from there.
    // (A file capability within the pre-exec permitted set, which runc and the sensor give a
    // non-root user, applies even under no_new_privs: setuid is what tells the modes apart.)
    const run = (mode: string[]) => {
      const name = startTraced(CAPS, ['--user', 'nobody', ...mode], ['passwd', '-S', 'nobody']);
      docker(['wait', name]);
      return collect(name);
    };
    const plain = docker(['run', '--rm', '--user', 'nobody', IMAGE, 'passwd', '-S', 'nobody']).stdout;
    expect(plain).toMatch(/^nobody L /);
    const traced = run([]);
    expect(traced.trace.header?.mode).toBe('ptrace+seccomp');
    expect(traced.logs).toContain(plain.trim());
    const nnp = run(['--mode', 'nnp']);
    expect(nnp.trace.header?.mode).toBe('ptrace+seccomp-nnp');
    expect(nnp.logs).not.toMatch(/^nobody L /m);
  });

  it('without CAP_SYS_ADMIN falls back to the no_new_privs filter and says so', () => {
    const name = startTraced(['--cap-add', 'SYS_PTRACE'], ['--fanotify'], ['sh', '-c', 'cat /etc/debian_version']);
    docker(['wait', name]);
    const { trace, exit, logs } = collect(name);
    expect(exit).toBe(0);
    expect(logs).toContain('mode=ptrace+seccomp-nnp');
    expect(logs).toMatch(/fanotify unavailable/);
    expect(trace.header?.mode).toBe('ptrace+seccomp-nnp');
    expect(trace.events.some((e) => e.path === '/etc/debian_version' && e.result === '0')).toBe(true);
  });

  it('with no added capability at all still traces (nnp filter), relative paths included', () => {
    const name = startTraced([], [], ['sh', '-c', 'cd /etc && cat debian_version']);
    docker(['wait', name]);
    const { trace, exit, logs } = collect(name);
    expect(exit, logs).toBe(0);
    expect(trace.header?.mode).toBe('ptrace+seccomp-nnp');
    expect(trace.events.some((e) => e.syscall === 'openat' && e.path === '/etc/debian_version' && e.result === '0')).toBe(true);
  });

  it('--fanotify records docker exec’d commands; --append traces them into the set', async () => {
    // The app leaves an orphan: re-parented to PID 1, the sensor, which must reap it.
    // (it ends when told, not after a time: under load a timed one may be gone before counted)
    const name = startTraced(CAPS, ['--fanotify'], ['sh', '-c', '(sh -c "until [ -e /tmp/go ]; do sleep 0.1; done" &); exec sleep 60']);
    await waitReady(name);
    docker(['exec', name, 'cat', '/etc/debian_version']);
    const children = () => Number(docker(['exec', name, 'sh', '-c', 'grep -l "^PPid:.1$" /proc/[0-9]*/status | wc -l']).stdout.trim());
    expect(children()).toBe(2); // the app and the orphan
    const helper = docker(['exec', name, '/slimts-sensor', '--trace', '/trace/t', '--append', '--', 'sh', '-c', 'cat /etc/issue >/dev/null; exit 5'], { allowFail: true });
    expect(helper.status).toBe(5);
    docker(['exec', name, 'touch', '/tmp/go']); // the orphan exits
    for (let i = 0; i < 50 && children() > 1; i++) await new Promise((r) => setTimeout(r, 100));
    expect(children()).toBe(1);
    await new Promise((r) => setTimeout(r, 1100)); // fanotify events arrive
    const states = docker(['exec', name, 'sh', '-c', 'cat /proc/[0-9]*/stat 2>/dev/null']).stdout;
    expect(states.split('\n').filter((l) => / Z /.test(l))).toEqual([]);
    docker(['stop', '-t', '10', name]);
    const { trace, logs } = collect(name);
    expect(trace.complete, logs).toBe(true);
    expect(trace.header?.mode).toBe('ptrace+seccomp+fanotify');
    const ev = trace.events;
    const app = trace.header!.pid;
    // Not a descendant of the app: only fanotify sees it.
    expect(ev.some((e) => e.syscall === 'fanotify-exec' && /\/bin\/cat$/.test(e.path) && e.pid !== app)).toBe(true);
    expect(ev.some((e) => e.syscall === 'fanotify-open' && e.path === '/etc/debian_version')).toBe(true);
    // The exec helper's own part, merged by readTraceSet.
    expect(trace.parts.length).toBe(1);
    expect(trace.parts[0]!.summary?.exit).toBe(5);
    expect(trace.parts[0]!.events.some((e) => e.syscall.startsWith('open') && e.path === '/etc/issue')).toBe(true);
  });

  it('--watch-stdin: the container ends when its attached stdin closes (the controller died); the app reads /dev/null', async () => {
    const name = uniqueName('slimts-sensor-test');
    containers.push(name);
    // create -i: OpenStdin and StdinOnce, as the controller creates the traced container
    docker(['create', '-i', '--name', name, '--network', 'none', ...CAPS, '--entrypoint', '/slimts-sensor', IMAGE,
      '--watch-stdin', '--trace', '/trace/t', '--ready', '/trace/ready', '--', 'sh', '-c', 'cat; echo "app stdin at EOF"; exec sleep 300']);
    docker(['cp', SENSOR, `${name}:/slimts-sensor`]);
    docker(['cp', tmp.dir + '/.', `${name}:/trace`]);
    const attached = spawn('docker', ['start', '-a', '-i', name], { stdio: ['pipe', 'ignore', 'ignore'] });
    try {
      await waitReady(name);
      await new Promise((r) => setTimeout(r, 500));
      const state = () => docker(['inspect', '-f', '{{.State.Running}} {{.State.ExitCode}}', name]).stdout.trim();
      expect(state()).toBe('true 0'); // the app runs on, although its own stdin ended at once
      expect(docker(['logs', name]).stdout).toContain('app stdin at EOF');
      attached.kill('SIGKILL'); // as a SIGKILLed controller: its attach connection closes
      let s = state();
      for (let i = 0; i < 100 && s.startsWith('true'); i++) {
        await new Promise((r) => setTimeout(r, 100));
        s = state();
      }
      expect(s).toBe('false 137');
      expect(docker(['logs', name]).stderr).toContain('the controller is gone');
    } finally {
      attached.kill('SIGKILL');
    }
  });
});
