// The sensor's --observe mode on the host (no engine): one new file per start, each distinct
// event once, an unwritable dir costs the app nothing, and a process that drops its uid in
// place (non-dumpable; the sensor without CAP_SYS_PTRACE) is still recorded, its syscalls
// answering as without the sensor. Seccomp user notification is the mode on this kernel; the
// ptrace fallback (SLIMTS_SENSOR_NOTIFY=0: as if the kernel refused it) records the same.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/docker.js';
import { readObservation } from '../../src/trace/observation.js';

const SENSOR = join(ROOT, 'sensors/build/slimts-sensor');
const IMG = `sha256:${'d4'.repeat(32)}`;
const dir = mkdtempSync(join(tmpdir(), 'slimts-observe-host-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function observe(args: string[], opts: { prefix?: string[]; env?: Record<string, string> } = {}) {
  const out = mkdtempSync(join(dir, 'o-'));
  const argv = [...(opts.prefix ?? []), SENSOR, '--observe', out, '--image', IMG, '--', ...args];
  const r = spawnSync(argv[0]!, argv.slice(1), { env: { ...process.env, ...opts.env } });
  const files = readdirSync(out);
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString(), files, obs: files.length === 1 ? readObservation(join(out, files[0]!)) : undefined };
}

describe('slimts-sensor --observe', () => {
  it('writes one file per start, each distinct access once, with the app\'s exit status', () => {
    const r = observe(['sh', '-c', 'cat /etc/hostname /etc/hostname /etc/hostname >/dev/null; cat /nonexistent 2>/dev/null; exit 4']);
    expect(r.status).toBe(4);
    expect(r.files).toHaveLength(1);
    expect(r.obs).toMatchObject({ image: IMG, complete: true, exit: 4, rejected: 0 });
    expect(r.obs!.events.filter((e) => e.path === '/etc/hostname' && e.intent === 'r')).toHaveLength(1);
    expect(r.obs!.events.some((e) => e.path === '/nonexistent' && e.result === 'ENOENT')).toBe(true);
  });

  it('an unwritable dir: one line on stderr, the app runs in the sensor\'s place', () => {
    const r = observe(['sh', '-c', 'echo $$ ran'], { env: { SLIMTS_OBSERVATIONS: join(dir, 'missing') } });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\d+ ran\n$/);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^slimts-sensor: not recording observations: .*missing: No such file/)]);
  });

  it('records a process that dropped its uid in place, without CAP_SYS_PTRACE; its syscalls answer as usual', () => {
    const py = 'import os; os.setgid(65534); os.setuid(65534); print(open("/etc/hostname").read().strip() == open("/etc/hostname").read().strip(), os.access("/etc/passwd", os.R_OK))';
    const r = observe(['python3', '-c', py], { prefix: ['setpriv', '--bounding-set', '-sys_ptrace', '--inh-caps', '-sys_ptrace'] });
    expect(r.stdout).toBe('True True\n');
    expect(r.stderr).toBe('');
    expect(r.obs!.events.some((e) => e.path === '/etc/hostname' && e.intent === 'r' && e.result === '0')).toBe(true);
    expect(r.obs!.events.some((e) => e.path === '/etc/passwd' && e.intent === 's')).toBe(true);
  });

  // A thread (its own tid), a child process, a path relative to a dirfd and to the cwd. Each
  // reads a file of its own: an access is written once whoever makes it, and the interpreter
  // itself may read /etc files (python reads /etc/passwd when HOME is unset), so shared paths
  // would be recorded under the first pid, not the one asserted.
  const own = mkdtempSync(join(dir, 'tree-'));
  for (const f of ['thread', 'child', 'rel/share', 'cwd/here']) {
    mkdirSync(join(own, f, '..'), { recursive: true });
    writeFileSync(join(own, f), f);
  }
  const tree = [
    'import os, subprocess, threading, sys',
    'own = sys.argv[1]',
    'tids = []',
    'def f(): tids.append(threading.get_native_id()); open(own + "/thread").read()',
    't = threading.Thread(target=f); t.start(); t.join()',
    'c = subprocess.Popen(["cat", own + "/child"], stdout=subprocess.DEVNULL); c.wait()',
    'fd = os.open(own + "/rel", os.O_RDONLY); os.stat("share", dir_fd=fd)',
    'os.chdir(own + "/cwd"); open("here").close()',
    'print(os.getpid(), tids[0], c.pid)',
  ].join('\n');
  function recordsTree(env: Record<string, string>) {
    const r = observe(['python3', '-c', tree, own], { env });
    expect(r.status, r.stderr).toBe(0);
    const [app, tid, child] = r.stdout.trim().split(' ').map(Number);
    expect(tid).not.toBe(app);
    const ev = r.obs!.events;
    expect(ev).toContainEqual(expect.objectContaining({ pid: tid, syscall: 'openat', intent: 'r', result: '0', path: `${own}/thread` }));
    expect(ev).toContainEqual(expect.objectContaining({ pid: child, intent: 'x', result: '0', path: expect.stringMatching(/\/cat$/) }));
    expect(ev).toContainEqual(expect.objectContaining({ pid: child, intent: 'r', result: '0', path: `${own}/child` }));
    expect(ev).toContainEqual(expect.objectContaining({ pid: app, intent: 's', result: '0', path: `${own}/rel/share` }));
    expect(ev).toContainEqual(expect.objectContaining({ pid: app, intent: 'r', result: '0', path: `${own}/cwd/here` }));
    return r.obs!;
  }

  it('uses seccomp user notification here: threads, children and relative paths are recorded', () => {
    expect(recordsTree({}).mode).toMatch(/^seccomp-notify(-nnp)?$/);
  });

  it('falls back to ptrace when user notification is refused, and records the same', () => {
    expect(recordsTree({ SLIMTS_SENSOR_NOTIFY: '0' }).mode).toMatch(/^ptrace\+seccomp(-nnp)?$/);
  });
});

// --preload (notify mode): slimts-preload.so sends a call the sensor was already told about
// (same syscall, flags and absolute path) around the notification; the first is still
// notified and recorded, results are the app's own, and glibc and musl programs load it.
describe('slimts-sensor --observe --preload', () => {
  const PRELOAD = join(ROOT, 'sensors/build/slimts-preload.so');
  const own = mkdtempSync(join(dir, 'preload-'));
  writeFileSync(join(own, 'f'), 'x');
  const loop = [
    'import os, sys',
    'f = sys.argv[1]; ok = 0',
    'for i in range(2000):',
    '  with open(f) as h: ok += h.read() == "x"',
    '  ok += os.stat(f).st_size == 1 and not os.access(f + ".missing", os.R_OK)',
    'try: open(f + ".missing")',
    'except FileNotFoundError as e: print(e.errno, end=" ")',
    'print(ok, os.environ.get("LD_PRELOAD"))',
  ].join('\n');
  const notified = (o: { file?: string }) => Number(/#notified (\d+)/.exec(readFileSync(o.file!, 'utf8'))?.[1] ?? 0);
  function run(args: string[], env: Record<string, string> = {}) {
    const out = mkdtempSync(join(dir, 'p-'));
    const r = spawnSync(SENSOR, ['--observe', out, '--image', IMG, ...args], { env: { ...process.env, ...env } });
    const files = readdirSync(out);
    expect(files).toHaveLength(1);
    const file = join(out, files[0]!);
    return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString(), obs: readObservation(file), file };
  }

  it('notifies a repeated call once, records it, and returns what the app gets without it', () => {
    const plain = run(['--', 'python3', '-c', loop, join(own, 'f')]);
    const pre = run(['--preload', PRELOAD, '--', 'python3', '-c', loop, join(own, 'f')], { LD_PRELOAD: '' });
    expect(plain.stdout).toBe('2 4000 None\n');
    expect(pre.stdout).toBe(`2 4000 ${PRELOAD}\n`);
    expect(pre.stderr).toBe('');
    expect(notified(plain)).toBeGreaterThan(6000);
    expect(notified(pre)).toBeLessThan(notified(plain) - 5900);
    for (const o of [plain.obs, pre.obs]) {
      expect(o.events.filter((e) => e.path === join(own, 'f') && e.intent === 'r')).toHaveLength(1);
      expect(o.events.some((e) => e.path === join(own, 'f.missing') && e.result === 'ENOENT')).toBe(true);
    }
  });

  it('comes after the app\'s own LD_PRELOAD; is left out when unreadable and in the ptrace fallback', () => {
    const theirs = run(['--preload', PRELOAD, '--', 'sh', '-c', 'echo "$LD_PRELOAD"'], { LD_PRELOAD: '/nonexistent-theirs.so' });
    expect(theirs.stdout).toBe(`/nonexistent-theirs.so:${PRELOAD}\n`);
    const missing = run(['--preload', join(own, 'none.so'), '--', 'sh', '-c', 'echo "[$LD_PRELOAD]"'], { LD_PRELOAD: '' });
    expect(missing).toMatchObject({ status: 0, stdout: '[]\n', stderr: '' });
    const ptrace = run(['--preload', PRELOAD, '--', 'sh', '-c', 'echo "[$LD_PRELOAD]"'], { LD_PRELOAD: '', SLIMTS_SENSOR_NOTIFY: '0' });
    expect(ptrace.stdout).toBe('[]\n');
    expect(ptrace.obs.mode).toMatch(/^ptrace/);
  });

  it('loads into a musl program too', () => {
    const src = join(own, 'm.c');
    writeFileSync(src, [
      '#include <fcntl.h>', '#include <stdio.h>', '#include <unistd.h>', '#include <sys/stat.h>',
      'int main(int c, char **v) { struct stat st; int ok = 0;',
      '  for (int i = 0; i < 1000; i++) { int fd = open(v[1], O_RDONLY); if (fd >= 0) { ok++; close(fd); } ok += stat(v[1], &st) == 0; }',
      '  printf("%d\\n", ok); return 0; }',
    ].join('\n'));
    const cc = spawnSync('musl-gcc', ['-o', join(own, 'm'), src]);
    expect(cc.status, cc.stderr?.toString()).toBe(0);
    const plain = run(['--', join(own, 'm'), join(own, 'f')]);
    const pre = run(['--preload', PRELOAD, '--', join(own, 'm'), join(own, 'f')], { LD_PRELOAD: '' });
    expect(pre.stdout).toBe('2000\n');
    expect(plain.stdout).toBe('2000\n');
    expect(notified(plain)).toBeGreaterThan(2000);
    expect(notified(pre)).toBeLessThan(20);
    expect(pre.obs.events.filter((e) => e.path === join(own, 'f'))).toHaveLength(2);
  });
});
