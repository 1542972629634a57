// The hardening planned from a trace, without Docker: the profile, capabilities with their
// evidence, tmpfs mounts for written paths (symlinks followed, kept files never hidden).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ALWAYS, RUNTIME, composeSnippet, dockerRunLine, fileCapNames, neededCaps, planHardening, seccompProfile,
  withoutSyscall, writablePaths,
} from '../../src/harden/index.js';
import { parseTrace, type TraceEvent } from '../../src/trace/index.js';
import { ROOT } from '../helpers/docker.js';

let seq = 0;
const ev = (syscall: string, intent: TraceEvent['intent'], path: string, result = '0', path2?: string): TraceEvent =>
  ({ seq: ++seq, pid: 1, syscall, intent, result, path, ...(path2 ? { path2 } : {}) });

describe('seccomp profile', () => {
  it('allows what was traced plus the always-allowed and runtime syscalls, nothing else', () => {
    const p = seccompProfile(['bind', 'listen', 'accept4']);
    expect(p.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(p.architectures).toEqual(['SCMP_ARCH_X86_64']);
    const names = p.syscalls[0]!.names;
    for (const n of ['bind', 'listen', 'accept4', ...ALWAYS, ...RUNTIME]) expect(names).toContain(n);
    for (const n of ['ptrace', 'mount', 'unshare', 'bpf', 'kexec_load', 'init_module']) expect(names).not.toContain(n);
    expect(withoutSyscall(p, 'listen').syscalls[0]!.names).not.toContain('listen');
  });

  it('allows every syscall the sensor lets run unrecorded (filter.c stays in step)', () => {
    const src = readFileSync(`${ROOT}/sensors/src/filter.c`, 'utf8');
    const list = /untrapped\[\] = \{([^}]*)\}/.exec(src)![1]!;
    const names = [...list.matchAll(/SYS_(\w+)/g)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(30);
    for (const n of names) expect(ALWAYS, n).toContain(n);
  });

  it('reads the sensor\'s #syscalls line as names, from the main trace and its parts', () => {
    const t = parseTrace('#slimts-trace 1 mode=ptrace+seccomp pid=1 start=0\n#syscalls 0 1 49 50 999999\n#end events=0 processes=1 dropped=0 exit=0 mode=ptrace+seccomp\n');
    expect(t.syscalls).toEqual([0, 1, 49, 50]);
    const h = planHardening({
      syscalls: [49, 50, 443], events: [], user: 'app', ports: [], mounted: [],
      fileCaps: () => undefined, dir: () => undefined, holdsKept: () => false,
    });
    expect(h.traced).toEqual(['bind', 'listen', 'quotactl_fd']);
    expect(h.profile!.syscalls[0]!.names).toContain('listen');
  });

  it('writes no profile when the trace has no syscall record', () => {
    const h = planHardening({ events: [], user: undefined, ports: [], mounted: [], fileCaps: () => undefined, dir: () => undefined, holdsKept: () => false });
    expect(h.profile).toBeUndefined();
    expect(h.notes.join()).toMatch(/no syscall record/);
  });
});

describe('capabilities', () => {
  const none = () => undefined;
  it('a root server on port 80 that switches user and chowns: the smallest set, each with its evidence', () => {
    const caps = neededCaps({
      root: true, syscalls: new Set(['bind', 'setgid', 'setuid', 'kill']), ports: [80, 8080], fileCaps: none,
      events: [ev('chown', 'w', '/var/lib/nginx/body')],
    });
    expect(caps.map((c) => c.cap)).toEqual(['CHOWN', 'KILL', 'SETGID', 'SETUID', 'NET_BIND_SERVICE']);
    expect(caps.find((c) => c.cap === 'NET_BIND_SERVICE')!.why).toMatch(/port 80 /);
  });

  it('a non-root app needs none, a root app that only serves a high port none', () => {
    expect(neededCaps({ root: false, syscalls: new Set(['setuid', 'chown']), ports: [80], fileCaps: none, events: [] })).toEqual([]);
    expect(neededCaps({ root: true, syscalls: new Set(['bind', 'listen']), ports: [8080], fileCaps: none, events: [] })).toEqual([]);
  });

  it('file capabilities of a program it ran, for any user', () => {
    // vfs_cap_data rev 2: magic/flags, permitted low word (NET_RAW = bit 13), inheritable, high words
    const v = Buffer.alloc(20);
    v.writeUInt32LE(0x02000001, 0);
    v.writeUInt32LE(1 << 13, 4);
    expect(fileCapNames(v)).toEqual(['NET_RAW']);
    const caps = neededCaps({
      root: false, syscalls: new Set(), ports: [], events: [ev('execve', 'x', '/usr/bin/ping')],
      fileCaps: (p) => (p === '/usr/bin/ping' ? v : undefined),
    });
    expect(caps).toEqual([{ cap: 'NET_RAW', why: 'file capability of /usr/bin/ping' }]);
  });
});

describe('writable paths', () => {
  const dirs: Record<string, { uid: number; gid: number; mode: number }> = {
    '/run': { uid: 0, gid: 0, mode: 0o755 },
    '/var/lib/nginx': { uid: 0, gid: 0, mode: 0o755 },
    '/var/cache/app': { uid: 101, gid: 102, mode: 0o750 },
    '/etc/nginx': { uid: 0, gid: 0, mode: 0o755 },
    '/data': { uid: 1000, gid: 1000, mode: 0o755 },
    '/var': { uid: 0, gid: 0, mode: 0o755 },
    '/var/log/nginx': { uid: 0, gid: 0, mode: 0o755 },
  };
  const links: Record<string, string> = { '/var/run': '/run', '/var/log/nginx/error.log': '/dev/stderr' };
  const real = (p: string) => {
    for (const [from, to] of Object.entries(links)) if (p === from || p.startsWith(`${from}/`)) return to + p.slice(from.length);
    return p;
  };
  const input = (events: TraceEvent[]) => ({
    events, mounted: ['/data'], dir: (p: string) => dirs[p], real,
    holdsKept: (d: string) => d === '/etc/nginx' || d === '/var' || d === '/var/log/nginx',
  });

  it('each written directory becomes a tmpfs with the image directory\'s owner and mode', () => {
    const w = writablePaths(input([
      ev('openat', 'w', '/var/run/nginx.pid'),
      ev('mkdir', 'w', '/var/lib/nginx/body'),
      ev('mkdir', 'w', '/var/cache/app/a'), ev('openat', 'w', '/var/cache/app/a/b/c'), // created below: one mount
      ev('openat', 'r', '/etc/nginx/nginx.conf'), ev('openat', 'w', '/etc/nginx/x', 'EACCES'), // reads, failures: nothing
      ev('openat', 'w', '/var/log/nginx/error.log'), // a link to the engine's /dev/stderr
      ev('openat', 'w', '/data/out.csv'), ev('openat', 'w', '/proc/self/oom_score_adj'), // a volume, the kernel
    ]));
    expect(w.blockers).toEqual([]);
    expect(w.tmpfs.map((t) => `${t.path}:${t.options}`)).toEqual([
      '/run:mode=0755,uid=0,gid=0', '/var/cache/app:mode=0750,uid=101,gid=102', '/var/lib/nginx:mode=0755,uid=0,gid=0',
    ]);
    expect(w.tmpfs[0]!.why).toBe('openat /run/nginx.pid');
  });

  it('a write into a directory with kept files blocks the read-only root (a tmpfs would hide them)', () => {
    const h = planHardening({
      syscalls: [], user: undefined, ports: [], fileCaps: () => undefined, ...input([ev('rename', 'w', '/etc/nginx/a', '0', '/etc/nginx/b')]),
    });
    expect(h.readOnly).toBe(false);
    expect(h.blockers[0]).toMatch(/^\/etc\/nginx\/a \(rename\): \/etc\/nginx holds image files/);
  });
});

describe('how the user applies it', () => {
  it('a docker run line and a compose snippet with the same parts', () => {
    const h = {
      profile: seccompProfile([]), traced: [], caps: [{ cap: 'NET_BIND_SERVICE', why: '' }], readOnly: true,
      tmpfs: [{ path: '/run', options: 'mode=0755,uid=0,gid=0', why: '' }], blockers: [], notes: [],
    };
    expect(dockerRunLine(h, 'app.slim:1', 'my profile.json')).toBe(
      "docker run --security-opt seccomp='my profile.json' --cap-drop ALL --cap-add NET_BIND_SERVICE --read-only --tmpfs /run:mode=0755,uid=0,gid=0 app.slim:1");
    expect(composeSnippet(h, 'app.slim:1', 'p.json')).toBe([
      'image: app.slim:1', 'security_opt:', '  - seccomp:p.json', 'cap_drop:', '  - ALL', 'cap_add:', '  - NET_BIND_SERVICE',
      'read_only: true', 'tmpfs:', '  - /run:mode=0755,uid=0,gid=0',
    ].join('\n'));
    // no syscall record, no profile: the line names none
    expect(dockerRunLine({ ...h, profile: undefined, readOnly: false }, 'a:1', 'p.json')).toBe('docker run --cap-drop ALL --cap-add NET_BIND_SERVICE a:1');
  });
});
