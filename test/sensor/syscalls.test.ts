// The sensor's --syscalls: every syscall the traced tree makes, children and both tracing
// modes included, as one #syscalls line; hot ones every profile allows run free.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X86_64_SYSCALLS } from '../../src/harden/x86_64-syscalls.js';
import { PYTHON, buildSensor, runSensor, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  buildSensor();
  tmp = tempDir();
});
afterAll(() => tmp.cleanup());

const APP = [PYTHON, '-c', [
  'import os, socket, subprocess',
  'os.getpriority(os.PRIO_PROCESS, 0)',
  's = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)',
  'subprocess.run(["/bin/sh", "-c", "ulimit -c 2>/dev/null; exit 0"])',
].join('\n')];
const names = (nrs: number[] | undefined) => (nrs ?? []).map((n) => X86_64_SYSCALLS.get(n));

describe('sensor --syscalls', () => {
  for (const mode of ['seccomp', 'ptrace']) {
    it(`records the app's and its children's syscalls (mode ${mode})`, () => {
      const r = runSensor(tmp.dir, ['--syscalls', '--mode', mode], APP);
      expect(r.status, r.stderr).toBe(0);
      expect(r.trace.complete).toBe(true);
      const seen = names(r.trace.syscalls);
      for (const n of ['getpriority', 'socket', 'bind', 'listen', 'execve', 'wait4', 'prlimit64']) expect(seen, n).toContain(n);
      // a hot syscall runs free under the filter (every profile allows it), but is seen without one
      if (mode === 'seccomp') expect(seen).not.toContain('read');
      else expect(seen).toContain('read');
      expect(r.trace.events.some((e) => e.syscall === 'execve' && e.path === '/bin/sh')).toBe(true);
    });
  }

  it('without the flag: no #syscalls line, the same path events', () => {
    const r = runSensor(tmp.dir, [], APP);
    expect(r.status).toBe(0);
    expect(r.trace.syscalls).toBeUndefined();
    expect(r.trace.events.some((e) => e.syscall === 'execve' && e.path === '/bin/sh')).toBe(true);
  });
});
