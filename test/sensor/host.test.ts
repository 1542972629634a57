// The sensor on the host (as root, no container): what it records and how it behaves as PID 1.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTraceSet, unionRanges, type TraceEvent } from '../../src/trace/index.js';
import { execedPrograms, summarizeTrace } from './usage.js';
import { PYTHON, SENSOR, buildSensor, runSensor, startSensor, tempDir, waitFor } from './helpers.js';

const has = (evs: TraceEvent[], f: (e: TraceEvent) => boolean) => evs.some(f);
let tmp: ReturnType<typeof tempDir>;

beforeAll(() => {
  buildSensor();
  tmp = tempDir();
});
afterAll(() => tmp.cleanup());

function sub(name: string): string {
  const d = join(tmp.dir, name);
  mkdirSync(d, { recursive: true });
  return d;
}

describe('sensor on the host', () => {
  it('records the TCP ports the app listens on, in the trace (#listen) and at once in --ports-out', () => {
    const d = sub('listen');
    const ports = join(d, 'ports');
    const code = [
      'import socket',
      'a = socket.socket(); a.bind(("127.0.0.1", 0)); a.listen()',
      'b = socket.socket(socket.AF_INET6); b.bind(("::", 0)); b.listen()',
      'u = socket.socket(socket.AF_UNIX); u.bind("' + join(d, 'sock') + '"); u.listen()',
      'print(a.getsockname()[1], b.getsockname()[1])',
    ].join('\n');
    const r = runSensor(d, ['--ports-out', ports], [PYTHON, '-c', code]);
    expect(r.status, r.stderr).toBe(0);
    const [p4, p6] = r.stdout.trim().split(' ').map(Number);
    expect(r.trace.listens).toEqual([{ port: p4, addr: '127.0.0.1' }, { port: p6, addr: '::' }]);
    expect(readFileSync(ports, 'utf8')).toBe(`${p4}\t127.0.0.1\n${p6}\t::\n`);
  });

  it('records python imports: json/__init__ opened, os.py only stat-ed (landmark)', () => {
    const d = sub('py');
    const r = runSensor(d, [], [PYTHON, '-c', 'import json; print(json.dumps([1]))']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('[1]');
    const t = r.trace;
    expect(t.complete).toBe(true);
    expect(t.header?.mode).toBe('ptrace+seccomp');
    expect(t.summary?.exit).toBe(0);
    expect(t.summary?.events).toBe(t.events.length);
    const ev = t.events;
    // The source or its cached bytecode is opened; the .py itself is always looked up.
    expect(has(ev, (e) => /^open/.test(e.syscall) && e.result === '0' && /\/json\/(__pycache__\/)?__init__\.(py|cpython-\d+\.pyc)$/.test(e.path))).toBe(true);
    expect(has(ev, (e) => e.path.endsWith('/json/__init__.py') && e.result === '0')).toBe(true);
    const os = ev.filter((e) => /\/python3\.\d+\/os\.py$/.test(e.path) && e.result === '0');
    expect(os.length).toBeGreaterThan(0);
    expect(os.some((e) => e.intent === 's')).toBe(true);
    expect(ev[0]).toMatchObject({ seq: 1, syscall: 'execve', intent: 'x', result: '0', path: PYTHON });
    expect(has(ev, (e) => e.syscall === 'interp' && /ld-linux/.test(e.path))).toBe(true);
    expect(ev.every((e) => e.path.startsWith('/') || /^[a-z_]+:/.test(e.path))).toBe(true);
    expect(ev.map((e) => e.seq)).toEqual(ev.map((_, i) => i + 1));
  });

  it('opens an uncached module source (.py), with bytecode writing off', () => {
    const d = sub('pymod');
    writeFileSync(join(d, 'mymod.py'), 'X = 1\n');
    const r = runSensor(d, [], [PYTHON, '-B', '-c', 'import mymod'], { env: { ...process.env, PYTHONPATH: d } });
    expect(r.status).toBe(0);
    expect(has(r.trace.events, (e) => /^open/.test(e.syscall) && e.intent === 'r' && e.path === join(d, 'mymod.py'))).toBe(true);
  });

  it('records a shell script: the #! interpreter and every command it runs', () => {
    const d = sub('sh');
    const script = join(d, 'run.sh');
    writeFileSync(script, '#!/bin/sh\nls / >/dev/null\ncat /etc/hostname >/dev/null 2>&1\nexec env true\n', { mode: 0o755 });
    const r = runSensor(d, [], [script]);
    expect(r.status).toBe(0);
    const ev = r.trace.events;
    expect(ev[0]).toMatchObject({ syscall: 'execve', path: script, result: '0' });
    expect(has(ev, (e) => e.syscall === 'interp' && e.path === '/bin/sh')).toBe(true);
    const progs = execedPrograms(ev);
    for (const p of ['/usr/bin/ls', '/usr/bin/cat', '/usr/bin/env', '/usr/bin/true'])
      expect(progs.some((x) => x === p || x === p.replace('/usr', ''))).toBe(true);
    expect(has(ev, (e) => e.path === '/etc/hostname')).toBe(true);
    expect(r.trace.summary!.processes).toBeGreaterThanOrEqual(3);
  });

  it('follows threads, fork+exec and vfork+exec', () => {
    const d = sub('forks');
    const bin = join(d, 'forks');
    execFileSync('gcc', ['-O2', '-pthread', '-o', bin, join(import.meta.dirname, 'fixtures/forks.c')]);
    const target = join(d, 'thread-opened.txt');
    writeFileSync(target, 'x');
    const r = runSensor(d, [], [bin, target, '/bin/true']);
    expect(r.status).toBe(0);
    const ev = r.trace.events;
    const rootPid = r.trace.header!.pid;
    const threadOpen = ev.find((e) => e.path === target && e.syscall.startsWith('open'));
    expect(threadOpen?.result).toBe('0');
    expect(threadOpen?.pid).not.toBe(rootPid); // opened by the thread (its own tid)
    const execs = ev.filter((e) => e.syscall === 'execve' && e.path === '/bin/true' && e.result === '0');
    expect(execs.length).toBe(2);
    expect(new Set(execs.map((e) => e.pid)).size).toBe(2);
    expect(execs.every((e) => e.pid !== rootPid)).toBe(true);
  });

  it('hides io_uring (its file operations bypass syscalls) so programs fall back', () => {
    const d = sub('uring');
    const bin = join(d, 'uring');
    execFileSync('gcc', ['-O2', '-o', bin, join(import.meta.dirname, 'fixtures/uring.c')]);
    for (const m of ['seccomp', 'nnp']) expect(runSensor(d, ['--mode', m], [bin]).stdout.trim()).toBe('ENOSYS');
  });

  it('records an exec from a non-leader thread under the process pid', () => {
    const d = sub('thread-exec');
    const bin = join(d, 'forks');
    execFileSync('gcc', ['-O2', '-pthread', '-o', bin, join(import.meta.dirname, 'fixtures/forks.c')]);
    const r = runSensor(d, [], [bin, '/dev/null', '/bin/true', 'thread-exec']);
    expect(r.status).toBe(0);
    const root = r.trace.header!.pid;
    const ex = r.trace.events.filter((e) => e.syscall === 'execve' && e.result === '0');
    expect(ex.map((e) => [e.pid, e.path])).toEqual([[root, bin], [root, '/bin/true']]);
    expect(r.trace.events.some((e) => e.syscall === 'interp' && e.pid === root && /ld-linux/.test(e.path))).toBe(true);
  });

  it('keeps setuid working for a non-root app (filter without no_new_privs)', () => {
    const d = sub('setuid');
    const id = join(d, 'suid-id');
    execFileSync('cp', ['/usr/bin/id', id]);
    execFileSync('chmod', ['4755', join(d, 'suid-id')]);
    execFileSync('chmod', ['755', d, tmp.dir]); // reachable by nobody
    const r = runSensor(d, ['--user', 'nobody'], [id, '-u']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('0'); // effective uid: the setuid bit applied
    expect(runSensor(d, ['--user', 'nobody'], [id, '-ru']).stdout.trim()).toBe('65534');
    expect(r.trace.events.some((e) => e.syscall === 'execve' && e.path === id && e.result === '0')).toBe(true);
    expect(runSensor(d, ['--user', 'nobody', '--mode', 'nnp'], [id, '-u']).stdout.trim()).toBe('65534');
  });

  it('resolves relative paths after chdir and openat with a dirfd; records ENOENT', () => {
    const d = sub('rel');
    mkdirSync(join(d, 'a/b'), { recursive: true });
    writeFileSync(join(d, 'a/b/f.txt'), 'x');
    const py = [
      'import os',
      `os.chdir(${JSON.stringify(join(d, 'a'))})`,
      "open('b/f.txt').close()",
      "fd = os.open('b', os.O_RDONLY | os.O_DIRECTORY)",
      "os.close(os.open('./f.txt', os.O_RDONLY, dir_fd=fd))",
      "os.stat('../b//f.txt', dir_fd=fd)",
      "os.fchdir(fd)",
      "open('f.txt', 'a').close()",
      'try: open("missing.txt")',
      'except FileNotFoundError: pass',
    ].join('\n');
    const r = runSensor(d, [], [PYTHON, '-S', '-c', py]);
    expect(r.status).toBe(0);
    const ev = r.trace.events;
    const f = join(d, 'a/b/f.txt');
    expect(has(ev, (e) => e.syscall === 'chdir' && e.intent === 'd' && e.path === join(d, 'a'))).toBe(true);
    expect(ev.filter((e) => e.path === f && e.intent === 'r' && e.result === '0').length).toBeGreaterThanOrEqual(2);
    expect(has(ev, (e) => e.path === f && e.intent === 's' && e.result === '0')).toBe(true);
    expect(has(ev, (e) => e.syscall === 'fchdir' && e.path === join(d, 'a/b'))).toBe(true);
    expect(has(ev, (e) => e.path === f && e.intent === 'w')).toBe(true);
    expect(ev.find((e) => e.path === join(d, 'a/b/missing.txt'))?.result).toBe('ENOENT');
    const u = summarizeTrace(ev);
    expect(u.missing).toContain(join(d, 'a/b/missing.txt'));
    expect(u.read).toContain(f);
  });

  it('records rename, symlink, mkdir, unlink with both paths', () => {
    const d = sub('ops');
    const py = [
      'import os',
      "os.mkdir('m')",
      "open('m/a', 'w').close()",
      "os.rename('m/a', 'm/b')",
      "os.symlink('b', 'm/l')",
      "os.readlink('m/l')",
      "os.unlink('m/l')",
    ].join('\n');
    const r = runSensor(d, [], [PYTHON, '-S', '-c', py]);
    expect(r.status).toBe(0);
    const ev = r.trace.events;
    expect(has(ev, (e) => e.syscall === 'mkdir' && e.path === join(d, 'm') && e.intent === 'w')).toBe(true);
    expect(ev.find((e) => e.syscall === 'rename')).toMatchObject({ path: join(d, 'm/a'), path2: join(d, 'm/b'), result: '0' });
    expect(ev.find((e) => e.syscall === 'symlink')).toMatchObject({ path: join(d, 'm/l'), path2: 'b' });
    expect(has(ev, (e) => e.syscall === 'readlink' && e.intent === 'r' && e.path === join(d, 'm/l'))).toBe(true);
    expect(has(ev, (e) => e.syscall === 'unlink' && e.path === join(d, 'm/l'))).toBe(true);
  });

  it('exits with the app status: 3, 128+signal when killed', () => {
    const d = sub('exit');
    expect(runSensor(d, [], ['sh', '-c', 'exit 3']).status).toBe(3);
    const killed = runSensor(d, [], ['sh', '-c', 'kill -KILL $$']);
    expect(killed.status).toBe(137);
    expect(killed.trace.summary?.exit).toBe(137);
    expect(runSensor(d, [], ['sh', '-c', 'kill -TERM $$']).status).toBe(143);
    const missing = runSensor(d, [], ['/nonexistent/prog']);
    expect(missing.status).toBe(127);
    expect(missing.trace.complete).toBe(true);
  });

  it('forwards SIGTERM/SIGINT/SIGUSR1 to the app and finishes the trace', async () => {
    for (const [sig, code] of [['SIGTERM', 7], ['SIGINT', 8], ['SIGUSR1', 9]] as const) {
      const d = sub(`sig-${sig}`);
      const marker = join(d, 'handler-ready');
      const py = `import signal, sys, time\nsignal.signal(signal.${sig}, lambda *a: sys.exit(${code}))\nopen(${JSON.stringify(marker)}, 'w').close()\ntime.sleep(30)\n`;
      const s = startSensor(d, ['--ready', join(d, 'ready')], [PYTHON, '-S', '-c', py]);
      await waitFor(join(d, 'ready'));
      await waitFor(marker);
      s.child.kill(sig);
      const r = await s.done;
      expect(r.status).toBe(code);
      const t = readTraceSet(join(d, 'trace'));
      expect(t.complete).toBe(true);
      expect(t.summary?.exit).toBe(code);
    }
  });

  it('a terminal ^C on a pty reaches the app, once', () => {
    const d = sub('pty');
    const out = execFileSync(PYTHON, [join(import.meta.dirname, 'fixtures/pty-ctrl-c.py'), SENSOR, d], { timeout: 20_000 }).toString();
    expect(out.trim()).toMatch(/SIGINTS 1 0$/); // the tty echoes ^C before it
  });

  it('holds a group-stop (SIGSTOP/SIGCONT) and exits 143 when the forwarded SIGTERM kills the app', async () => {
    const d = sub('stop');
    const s = startSensor(d, ['--ready', join(d, 'ready')], ['sleep', '30']);
    await waitFor(join(d, 'ready'));
    const sleeper = Number(execFileSync('pgrep', ['-P', String(s.child.pid)]).toString().trim());
    process.kill(sleeper, 'SIGSTOP');
    let stat = '';
    for (let i = 0; i < 50 && !/^[Tt]/.test(stat); i++) {
      await new Promise((r) => setTimeout(r, 20));
      stat = execFileSync('ps', ['-o', 'stat=', '-p', String(sleeper)]).toString();
    }
    expect(stat).toMatch(/^[Tt]/);
    process.kill(sleeper, 'SIGCONT');
    await new Promise((r) => setTimeout(r, 100));
    s.child.kill('SIGTERM');
    expect((await s.done).status).toBe(143);
  });

  it('a SIGKILLed sensor leaves FILE.tmp with the events so far and takes the app with it', async () => {
    const d = sub('sigkill');
    const s = startSensor(d, ['--ready', join(d, 'ready')], ['sh', '-c', 'cat /etc/hostname >/dev/null; exec sleep 30']);
    await waitFor(join(d, 'ready'));
    await new Promise((r) => setTimeout(r, 1500)); // the writer flushes at least once a second
    const app = Number(execFileSync('pgrep', ['-P', String(s.child.pid)]).toString().trim());
    s.child.kill('SIGKILL');
    await s.done;
    const t = readTraceSet(join(d, 'trace'));
    expect(existsSync(join(d, 'trace'))).toBe(false);
    expect(t.complete).toBe(false);
    expect(t.header?.mode).toBe('ptrace+seccomp');
    expect(has(t.events, (e) => e.path === '/etc/hostname')).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    // PTRACE_O_EXITKILL: gone, or a zombie waiting for its new parent to reap it.
    const stat = existsSync(`/proc/${app}/stat`) ? readFileSync(`/proc/${app}/stat`, 'utf8') : '';
    expect(stat === '' || / Z /.test(stat)).toBe(true);
  });

  it('keeps tracer and app on one CPU by default; --cpus all leaves the mask; a bad value is a usage error', () => {
    const d = sub('cpus');
    const allowed = (out: string) => /Cpus_allowed_list:\s*(\S+)/.exec(out)?.[1];
    const host = allowed(readFileSync('/proc/self/status', 'utf8'))!;
    const one = runSensor(d, [], ['grep', 'Cpus_allowed_list', '/proc/self/status']);
    expect(one.status).toBe(0);
    // the host here has 2 cores; on one core there is nothing to narrow
    if (host.includes('-') || host.includes(',')) expect(allowed(one.stdout)).toMatch(/^\d+$/);
    const all = runSensor(d, ['--cpus', 'all'], ['grep', 'Cpus_allowed_list', '/proc/self/status']);
    expect(all.status).toBe(0);
    expect(allowed(all.stdout)).toBe(host);
    const bad = runSensor(d, ['--cpus', 'two'], ['true']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--cpus wants one or all');
  });

  it('--app-drop-caps, --hide, --caps-out: the app lacks the dropped caps, cannot see the hidden dir; its sets are recorded', () => {
    const d = sub('privs');
    const secret = sub('privs-hidden');
    writeFileSync(join(secret, 'secret'), 'x');
    const caps = join(d, 'app.caps');
    // SYS_ADMIN (21) and SYS_PTRACE (19) dropped; the app prints its status lines and lists the dir
    const r = runSensor(d, ['--app-drop-caps', '280000', '--hide', secret, '--caps-out', caps], [
      'sh', '-c', `grep -E '^(Cap|NoNewPrivs|Seccomp:)' /proc/self/status; ls -A ${secret} | wc -l; touch ${secret}/planted || echo denied`,
    ]);
    expect(r.status, r.stderr).toBe(0);
    const bnd = BigInt(`0x${/^CapBnd:\s*(\S+)/m.exec(r.stdout)![1]}`);
    expect(bnd & (1n << 21n)).toBe(0n);
    expect(bnd & (1n << 19n)).toBe(0n);
    expect(bnd & 1n).toBe(1n); // CHOWN kept
    expect(r.stdout).toMatch(/^NoNewPrivs:\s*0$/m); // the filter without no_new_privs
    expect(r.stdout).toMatch(/^0$/m); // the hidden dir is empty for the app
    expect(r.stdout).toContain('denied');
    expect(existsSync(join(secret, 'secret'))).toBe(true); // the sensor's view is untouched
    // the record is the sh's own sets after its exec (grep is a child with the same ones here: root)
    const rec = readFileSync(caps, 'utf8');
    expect(rec).toContain(/^CapBnd:.*$/m.exec(r.stdout)![0]);
    expect(rec).toMatch(/^TraceHidden:\tyes$/m);
    expect(spawnSync('stat', ['-c', '%a', caps]).stdout.toString().trim()).toBe('600');
    expect(spawnSync('stat', ['-c', '%a', join(d, 'trace')]).stdout.toString().trim()).toBe('600');
    // a bad mask is a usage error
    expect(spawnSync(SENSOR, ['--app-drop-caps', 'xyz', '--trace', join(d, 't2'), '--', 'true']).status).toBe(2);
  });

  it('--watch-stdin (not PID 1): at EOF on stdin it kills the app, only the app, and exits 137', async () => {
    const d = sub('watch');
    const child = spawn(SENSOR, ['--watch-stdin', '--ready', join(d, 'ready'), '--trace', join(d, 'trace'), '--', 'sh', '-c', 'cat; echo "$$" > app.pid; exec sleep 300'], {
      cwd: d, stdio: ['pipe', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const done = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    await waitFor(join(d, 'app.pid')); // the app's stdin is /dev/null: cat returned at once
    const app = Number(readFileSync(join(d, 'app.pid'), 'utf8'));
    child.stdin.end(); // the controller is gone
    expect(await done).toBe(137);
    expect(err).toContain('the controller is gone');
    // killed: a zombie until its new parent reaps it, then gone
    const state = () => {
      try {
        return /^\S+ \(.*\) (\S)/.exec(readFileSync(`/proc/${app}/stat`, 'utf8'))![1];
      } catch {
        return 'gone';
      }
    };
    for (let i = 0; i < 40 && !['gone', 'Z'].includes(state()); i++) await new Promise((r) => setTimeout(r, 50));
    expect(['gone', 'Z']).toContain(state());
  });

  it('--watch-stdin: the byte "a" marks the app\'s first answer in the trace (#answered, once), between what it read before and after', async () => {
    const d = sub('answered');
    const child = spawn(SENSOR, ['--watch-stdin', '--ready', join(d, 'ready'), '--trace', join(d, 'trace'), '--', 'sh', '-c',
      'cat /etc/hostname >/dev/null; : > up; while [ ! -e go ]; do sleep 0.05; done; cat /etc/passwd >/dev/null; cat /etc/group >/dev/null'], {
      cwd: d, stdio: ['pipe', 'ignore', 'inherit'],
    });
    const done = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    await waitFor(join(d, 'up'));
    child.stdin.write('xa'); // other bytes are ignored
    child.stdin.write('a'); // a second answer marks nothing more
    await new Promise((r) => setTimeout(r, 500)); // the watcher thread wakes at once; room for a loaded machine
    writeFileSync(join(d, 'go'), '');
    expect(await done).toBe(0);
    child.stdin.end();
    const text = readFileSync(join(d, 'trace'), 'utf8');
    expect(text.match(/^#answered /gm)).toHaveLength(1);
    const t = readTraceSet(join(d, 'trace'));
    const seqOf = (p: string) => t.events.find((e) => e.path === p && e.result === '0' && e.intent === 'r')!.seq;
    expect(t.answeredAfter).toBeGreaterThanOrEqual(seqOf('/etc/hostname'));
    expect(t.answeredAfter).toBeLessThan(seqOf('/etc/passwd'));
    expect(seqOf('/etc/group')).toBeGreaterThan(t.answeredAfter!);
    expect(t.resident).toBeUndefined(); // no --resident: no page cache dropped, none recorded
  });

  it('--resident: a big file\'s cache is dropped when the app opens it; #resident at the first answer shows what it read (two places)', async () => {
    const d = sub('resident');
    const MiB = 1 << 20;
    // cached, as just written, and clean (dirty pages cannot be dropped; an image's never are)
    const fd = openSync(join(d, 'data.bin'), 'w');
    writeSync(fd, Buffer.alloc(4 * MiB, 7));
    fsyncSync(fd);
    closeSync(fd);
    writeFileSync(join(d, 'small.bin'), Buffer.alloc(4096, 7)); // under 1 MiB: not watched
    const script = [
      'import os, time',
      'fd = os.open("data.bin", os.O_RDONLY)',
      'os.pread(fd, 4096, 0); os.pread(fd, 4096, 3 * 1024 * 1024)',
      'open("small.bin", "rb").read()',
      'open("up", "w").close()',
      'while not os.path.exists("go"): time.sleep(0.05)',
    ].join('\n');
    const child = spawn(SENSOR, ['--watch-stdin', '--resident', '--ready', join(d, 'ready'), '--trace', join(d, 'trace'), '--', PYTHON, '-c', script], {
      cwd: d, stdio: ['pipe', 'ignore', 'inherit'],
    });
    const done = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    await waitFor(join(d, 'up'));
    child.stdin.write('a');
    await new Promise((r) => setTimeout(r, 500));
    writeFileSync(join(d, 'go'), '');
    expect(await done).toBe(0);
    child.stdin.end();
    const t = readTraceSet(join(d, 'trace'));
    const runs = unionRanges(t.resident?.get(join(d, 'data.bin')) ?? []);
    const covers = (off: number) => runs.some(([a, b]) => a <= off && off < b);
    expect(covers(0)).toBe(true);
    expect(covers(3 * MiB)).toBe(true);
    expect(covers(3 * MiB / 2)).toBe(false);
    // the two pages read and the kernel's readahead around them, not the file
    expect(runs.reduce((n, [a, b]) => n + b - a, 0)).toBeLessThanOrEqual(MiB);
    expect(t.resident?.has(join(d, 'small.bin'))).toBe(false);
  });

  it('--user nobody runs the app as 65534 with HOME/USER set', () => {
    const d = sub('user');
    const r = runSensor(d, ['--user', 'nobody'], ['sh', '-c', 'id -u; id -g; echo $USER; echo $HOME']);
    expect(r.status).toBe(0);
    const [uid, , user] = r.stdout.trim().split('\n');
    expect(uid).toBe('65534');
    expect(user).toBe('nobody');
    expect(r.trace.header?.mode).toBe('ptrace+seccomp');
    expect(has(r.trace.events, (e) => e.syscall === 'execve' && /\/id$/.test(e.path))).toBe(true);
    const g = runSensor(d, ['--user', '65534:0'], ['sh', '-c', 'id -u; id -g; id -G']);
    expect(g.stdout.trim().split('\n')).toEqual(['65534', '0', '0']);
    expect(runSensor(d, ['--user', 'no-such-user-x'], ['true']).status).not.toBe(0);
  });

  it('falls back to nnp and plain ptrace modes and records the same files', () => {
    const d = sub('modes');
    const cmd = [PYTHON, '-S', '-c', 'import json'];
    const paths: Record<string, Set<string>> = {};
    for (const m of ['seccomp', 'nnp', 'ptrace']) {
      const r = runSensor(d, ['--mode', m], cmd);
      expect(r.status).toBe(0);
      expect(r.trace.header?.mode).toBe({ seccomp: 'ptrace+seccomp', nnp: 'ptrace+seccomp-nnp', ptrace: 'ptrace' }[m]);
      expect(r.trace.summary?.mode).toBe(r.trace.header?.mode);
      if (m !== 'seccomp') expect(r.stderr).toContain('mode=');
      paths[m] = new Set(r.trace.events.filter((e) => e.result === '0').map((e) => `${e.syscall} ${e.path}`));
    }
    expect([...paths.seccomp!].filter((p) => !paths.ptrace!.has(p))).toEqual([]);
    expect([...paths.seccomp!].filter((p) => !paths.nnp!.has(p))).toEqual([]);
    // Kernels without PTRACE_GET_SYSCALL_INFO (< 5.3): registers are read instead; and
    // without process_vm_readv, PTRACE_PEEKDATA.
    for (const m of ['seccomp', 'ptrace']) {
      const r = runSensor(d, ['--mode', m], cmd, { env: { ...process.env, SLIMTS_SENSOR_REGS: '1', SLIMTS_SENSOR_PEEK: '1' } });
      expect(r.status).toBe(0);
      const got = new Set(r.trace.events.filter((e) => e.result === '0').map((e) => `${e.syscall} ${e.path}`));
      expect([...paths[m]!].filter((p) => !got.has(p))).toEqual([]);
    }
  });

  it('--append writes FILE.<pid>.done parts merged by readTraceSet', () => {
    const d = sub('append');
    const main = runSensor(d, [], ['cat', '/etc/hostname']);
    const a = runSensor(d, ['--append'], ['sh', '-c', 'cat /etc/os-release >/dev/null; exit 4']);
    expect(a.status).toBe(4);
    runSensor(d, ['--append'], ['true']);
    const files = readdirSync(d).sort();
    expect(files.filter((f) => /^trace\.\d+\.done$/.test(f)).length).toBe(2);
    expect(files.some((f) => f.endsWith('.part') || f.endsWith('.tmp'))).toBe(false);
    const set = readTraceSet(join(d, 'trace'));
    expect(set.parts.length).toBe(2);
    expect(set.complete).toBe(true);
    expect(set.summary?.exit).toBe(0); // the main trace's own summary
    expect(set.parts.some((p) => p.summary?.exit === 4)).toBe(true);
    expect(has(set.events, (e) => e.path === '/etc/os-release')).toBe(true);
    expect(has(set.events, (e) => e.path === '/etc/hostname')).toBe(true);
    expect(main.trace.events.length).toBeLessThan(set.events.length);
  });

  it('--append never replaces an earlier part when a pid is reused', () => {
    const d = sub('append-reuse');
    // Each run is pid 1 of a new pid namespace, like repeated docker exec probes can be.
    for (const code of [1, 2, 3]) {
      const r = spawnSync('unshare', ['--pid', '--fork', SENSOR, '--append', '--trace', join(d, 'trace'), '--', 'sh', '-c', `exit ${code}`]);
      expect(r.status).toBe(code);
    }
    const set = readTraceSet(join(d, 'trace'));
    expect(set.parts.map((p) => p.summary?.exit)).toEqual([1, 2, 3]);
    expect(readdirSync(d).filter((f) => f.endsWith('.done')).every((f) => /^trace\.\d+\.done$/.test(f))).toBe(true);
  });

  it('a trace under its final name appears only when finished', () => {
    const d = sub('atomic');
    const r = runSensor(d, [], ['true']);
    expect(existsSync(join(d, 'trace'))).toBe(true);
    expect(existsSync(join(d, 'trace.tmp'))).toBe(false);
    expect(r.trace.summary?.events).toBe(r.trace.events.length);
  });
});

