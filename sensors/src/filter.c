// seccomp-bpf filter: SECCOMP_RET_TRACE for the path syscalls of syscalls.c, ALLOW for the
// rest, so the tracer only wakes up for events it records. Constants are defined here
// because musl ships no linux/seccomp.h.
#include "sensor.h"
#include "trampoline.h"
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <string.h>
#include <unistd.h>

struct sock_filter { uint16_t code; uint8_t jt, jf; uint32_t k; };
struct sock_fprog { unsigned short len; struct sock_filter *filter; };

#define BPF_LD 0x00
#define BPF_JMP 0x05
#define BPF_RET 0x06
#define BPF_W 0x00
#define BPF_ABS 0x20
#define BPF_JEQ 0x10
#define BPF_JGE 0x30
#define BPF_JSET 0x40
#define BPF_K 0x00
#define STMT(c, k) ((struct sock_filter){(uint16_t)(c), 0, 0, (uint32_t)(k)})
#define JUMP(c, k, t, f) ((struct sock_filter){(uint16_t)(c), (uint8_t)(t), (uint8_t)(f), (uint32_t)(k)})

#define SECCOMP_SET_MODE_FILTER 1
#define SECCOMP_RET_ALLOW 0x7fff0000U
#define SECCOMP_RET_TRACE 0x7ff00000U
#define SECCOMP_RET_ERRNO 0x00050000U
#define SECCOMP_RET_USER_NOTIF 0x7fc00000U
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425
#endif
#define OFF_NR 0
#define OFF_ARCH 4
#define OFF_IP 8 // instruction_pointer, low word; the high word at 12
#define OFF_ARG(i) (16 + 8 * (i)) // low word on little-endian

#if defined(__x86_64__)
#define AUDIT_ARCH_NATIVE 0xc000003eU // AUDIT_ARCH_X86_64
#define X32_BIT 0x40000000U
#elif defined(__aarch64__)
#define AUDIT_ARCH_NATIVE 0xc00000b7U
#endif
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

static struct sock_filter prog[16 + 8 * 128 + 2 * 64];

// Hot syscalls every profile slimts writes allows (src/harden/syscalls.ts, ALWAYS): with
// --syscalls they still run free, so recording the rest costs one stop per other call.
static const int untrapped[] = {
	SYS_read, SYS_write, SYS_readv, SYS_writev, SYS_pread64, SYS_pwrite64, SYS_close, SYS_lseek,
	SYS_mmap, SYS_munmap, SYS_mprotect, SYS_madvise, SYS_brk, SYS_futex, SYS_rt_sigaction,
	SYS_rt_sigprocmask, SYS_rt_sigreturn, SYS_exit, SYS_exit_group, SYS_nanosleep,
	SYS_clock_nanosleep, SYS_clock_gettime, SYS_gettimeofday, SYS_getpid, SYS_gettid,
	SYS_sched_yield, SYS_epoll_wait, SYS_epoll_pwait, SYS_epoll_ctl, SYS_poll, SYS_ppoll,
	SYS_recvfrom, SYS_sendto, SYS_recvmsg, SYS_sendmsg, SYS_fcntl, SYS_fstat, SYS_getrandom,
	SYS_restart_syscall, SYS_getdents64,
#ifdef SYS_select
	SYS_select,
#endif
};

/*
 * Notify mode (notify.c): the path syscalls go to the sensor's listener instead of a tracer,
 * and so do the calls that may make a process non-dumpable (a uid/gid or capability change,
 * PR_SET_DUMPABLE), so the sensor can open its memory while it still may (procmem.c).
 */
static const int cred_calls[] = {
	SYS_setuid, SYS_setgid, SYS_setreuid, SYS_setregid, SYS_setresuid, SYS_setresgid,
	SYS_setfsuid, SYS_setfsgid, SYS_capset,
};
#define PR_SET_DUMPABLE_ 4

static int build(int all, uint32_t act)
{
	int n = 0;
	prog[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, OFF_ARCH);
	// Other ABIs (i386 compat) are allowed: the decode table is native only.
	prog[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_NATIVE, 1, 0);
	prog[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
#if defined(__x86_64__)
	// Notify mode: a call from slimts-preload.so's trampoline page repeats one the sensor
	// was already told about (trampoline.h); it runs free.
	if (act == SECCOMP_RET_USER_NOTIF) {
		prog[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, OFF_IP + 4);
		prog[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(SLIMTS_TRAMPOLINE >> 32), 0, 4);
		prog[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, OFF_IP);
		prog[n++] = JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)SLIMTS_TRAMPOLINE, 0, 2);
		prog[n++] = JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)SLIMTS_TRAMPOLINE + SLIMTS_TRAMPOLINE_SIZE, 1, 0);
		prog[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	}
#endif
	prog[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, OFF_NR);
#ifdef X32_BIT
	prog[n++] = JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_BIT, 0, 1);
	prog[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
#endif
	// io_uring opens and stats files without syscalls a tracer can see: say it does not
	// exist, so programs (libuv, liburing users) fall back to plain syscalls.
	prog[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_io_uring_setup, 0, 1);
	prog[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
	for (int i = 0; i < nsysdescs; i++) {
		const struct sysdesc *d = &sysdescs[i];
		int flagarg = -1;
		// fstat() is newfstatat/statx(fd, "", AT_EMPTY_PATH) in glibc >= 2.33: the fd was
		// recorded when opened, so skip those stops (hot in python). Stats with AT_FDCWD
		// or without AT_EMPTY_PATH still trap.
		if (!strcmp(d->name, "newfstatat") || !strcmp(d->name, "fstatat"))
			flagarg = 3;
		else if (!strcmp(d->name, "statx"))
			flagarg = 2;
		if (act == SECCOMP_RET_USER_NOTIF && d->kind == K_LISTEN)
			continue; // observations hold no ports, and the port is known only at the exit
		if (flagarg < 0) {
			prog[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, d->nr, 0, 1);
			prog[n++] = STMT(BPF_RET | BPF_K, act);
			continue;
		}
		prog[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, d->nr, 0, 6);
		prog[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, OFF_ARG(flagarg));
		prog[n++] = JUMP(BPF_JMP | BPF_JSET | BPF_K, AT_EMPTY_PATH, 0, 2);
		prog[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, OFF_ARG(0));
		prog[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)AT_FDCWD, 0, 1);
		prog[n++] = STMT(BPF_RET | BPF_K, act);
		prog[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	}
	if (act == SECCOMP_RET_USER_NOTIF) {
		for (size_t i = 0; i < sizeof cred_calls / sizeof *cred_calls; i++) {
			prog[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)cred_calls[i], 0, 1);
			prog[n++] = STMT(BPF_RET | BPF_K, act);
		}
		prog[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_prctl, 0, 3);
		prog[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, OFF_ARG(0));
		prog[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_SET_DUMPABLE_, 0, 1);
		prog[n++] = STMT(BPF_RET | BPF_K, act);
	}
	if (all) { // --syscalls: every other syscall stops once at the seccomp stop
		for (size_t i = 0; i < sizeof untrapped / sizeof *untrapped; i++) {
			prog[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)untrapped[i], 0, 1);
			prog[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
		}
		prog[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
		return n;
	}
	prog[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	return n;
}

static int install(struct sock_fprog *fp)
{
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, fp);
}

// Without no_new_privs (needs CAP_SYS_ADMIN) setuid binaries and file capabilities still
// elevate under the filter; with it they do not, so that is only the fallback.
int filter_install(int want, int all)
{
	struct sock_fprog fp = {(unsigned short)build(all, SECCOMP_RET_TRACE), prog};
	if (want <= MODE_SECCOMP && install(&fp) == 0)
		return MODE_SECCOMP;
	if (want <= MODE_NNP && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 && install(&fp) == 0)
		return MODE_NNP;
	return want == MODE_NONE ? MODE_NONE : MODE_PTRACE;
}

// Notify mode: the same filter with SECCOMP_RET_USER_NOTIF, and its listener fd (or -1 and
// errno). *nnp tells whether no_new_privs had to be set for it (no CAP_SYS_ADMIN).
int filter_install_listener(int *nnp)
{
	struct sock_fprog fp = {(unsigned short)build(0, SECCOMP_RET_USER_NOTIF), prog};
	int fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &fp);
	*nnp = 0;
	if (fd >= 0 || errno != EACCES)
		return fd;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	*nnp = 1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &fp);
}
