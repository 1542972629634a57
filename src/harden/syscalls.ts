// The seccomp profile: what the traced tree made, plus what the runtime needs to start the
// process under it, default action SCMP_ACT_ERRNO (EPERM). Pure.
import { X86_64_SYSCALLS } from './x86_64-syscalls.js';

/**
 * Hot syscalls the sensor's `--syscalls` filter lets run free (sensors/src/filter.c, the same
 * list): they are not observed, so every profile allows them. newfstatat/statx are here too:
 * the filter skips their fstat form (AT_EMPTY_PATH on an fd).
 */
export const ALWAYS: readonly string[] = [
  'read', 'write', 'readv', 'writev', 'pread64', 'pwrite64', 'close', 'lseek', 'mmap', 'munmap', 'mprotect',
  'madvise', 'brk', 'futex', 'rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn', 'exit', 'exit_group', 'nanosleep',
  'clock_nanosleep', 'clock_gettime', 'gettimeofday', 'getpid', 'gettid', 'sched_yield', 'epoll_wait',
  'epoll_pwait', 'epoll_ctl', 'poll', 'ppoll', 'recvfrom', 'sendto', 'recvmsg', 'sendmsg', 'fcntl', 'fstat',
  'getrandom', 'restart_syscall', 'getdents64', 'select', 'newfstatat', 'statx',
];

/**
 * What runc does between installing the profile and exec'ing the app (without
 * no-new-privileges the profile is loaded before the user switch and capability setup),
 * in its Go runtime: switch user, set capabilities, close fds, sync with the engine, exec.
 */
export const RUNTIME: readonly string[] = [
  'execve', 'capget', 'capset', 'prctl', 'setgroups', 'setresuid', 'setresgid', 'setuid', 'setgid', 'chdir',
  'fchdir', 'getcwd', 'openat', 'getdents64', 'close_range', 'dup3', 'pipe2', 'arch_prctl', 'set_tid_address',
  'set_robust_list', 'rseq', 'sigaltstack', 'tgkill', 'tkill', 'clone', 'getppid', 'getuid', 'geteuid',
  'getgid', 'getegid', 'epoll_create1', 'epoll_pwait', 'sched_getaffinity', 'uname', 'readlinkat', 'access',
  'faccessat', 'faccessat2', 'prlimit64', 'setsid', 'mincore', 'statfs', 'fstatfs', 'fchown', 'umask', 'sched_getaffinity',
];

export interface SeccompProfile {
  defaultAction: 'SCMP_ACT_ERRNO';
  architectures: string[];
  syscalls: Array<{ names: string[]; action: 'SCMP_ACT_ALLOW' }>;
}

/** Names of the traced syscall numbers (x86_64); unknown numbers are returned apart. */
export function syscallNames(nrs: readonly number[]): { names: string[]; unknown: number[] } {
  const names: string[] = [];
  const unknown: number[] = [];
  for (const n of nrs) {
    const name = X86_64_SYSCALLS.get(n);
    if (name) names.push(name);
    else unknown.push(n);
  }
  return { names, unknown };
}

/**
 * A Docker/OCI profile allowing exactly `names` plus ALWAYS and RUNTIME. Only the native
 * ABI is listed: 32-bit and x32 calls (never traced) fall to the default action.
 */
export function seccompProfile(names: readonly string[]): SeccompProfile {
  const all = [...new Set([...ALWAYS, ...RUNTIME, ...names])].sort();
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    architectures: ['SCMP_ARCH_X86_64'],
    syscalls: [{ names: all, action: 'SCMP_ACT_ALLOW' }],
  };
}

/** The same profile without `name` (tests: a syscall the app needs, taken away). */
export function withoutSyscall(p: SeccompProfile, name: string): SeccompProfile {
  return { ...p, syscalls: p.syscalls.map((s) => ({ ...s, names: s.names.filter((n) => n !== name) })) };
}
