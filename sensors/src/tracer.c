// The ptrace loop. With the seccomp filter a tracee only stops at the path syscalls: at the
// seccomp stop the arguments are read and the path resolved, PTRACE_SYSCALL then gives the
// exit stop with the result, and PTRACE_CONT lets it run free again. Without a filter
// (mode ptrace) every syscall stops and the table decides what is recorded.
#include "sensor.h"
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PTRACE_GET_SYSCALL_INFO
#define PTRACE_GET_SYSCALL_INFO 0x420e
#endif
#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif
#ifndef PTRACE_LISTEN
#define PTRACE_LISTEN 0x4208
#endif
#define SCI_ENTRY 1
#define SCI_EXIT 2
#define SCI_SECCOMP 3

struct sc_info {
	uint8_t op;
	uint8_t pad[3];
	uint32_t arch;
	uint64_t ip, sp;
	union {
		struct {
			uint64_t nr, args[6];
		} entry; // also the layout of the seccomp stop
		struct {
			int64_t rval;
			uint8_t is_error;
		} exit;
	};
};

struct proc {
	struct proc *next;
	pid_t pid;
	unsigned char pending, started;
	unsigned char inject; // --observe: making the tracee dumpable again (see make_dumpable)
#if defined(__x86_64__)
	struct user_regs_struct saved;
#endif
	struct call c;
};

enum { INJ_NONE, INJ_WANTED, INJ_RUNNING, INJ_DONE };

#define NBUCKET 1024
static struct proc *table[NBUCKET];
static int base_op = PTRACE_CONT;

static struct proc *proc_find(pid_t pid)
{
	for (struct proc *p = table[pid % NBUCKET]; p; p = p->next)
		if (p->pid == pid)
			return p;
	return NULL;
}

static struct proc *proc_get(pid_t pid)
{
	struct proc *p = proc_find(pid);
	if (p)
		return p;
	p = calloc(1, sizeof *p);
	if (!p)
		die("out of memory");
	p->pid = pid;
	p->next = table[pid % NBUCKET];
	table[pid % NBUCKET] = p;
	trace_note_process();
	return p;
}

static void proc_drop(pid_t pid)
{
	for (struct proc **pp = &table[pid % NBUCKET]; *pp; pp = &(*pp)->next)
		if ((*pp)->pid == pid) {
			struct proc *p = *pp;
			*pp = p->next;
			free(p);
			return;
		}
}

static void resume(struct proc *p, int sig)
{
	ptrace(p->pending || p->inject == INJ_RUNNING ? PTRACE_SYSCALL : base_op, p->pid, 0, (void *)(long)sig);
}

static void record(struct proc *p, long result)
{
	if (p->c.d->kind == K_LISTEN) {
		if (result == 0)
			listen_record(p->pid, p->c.fd);
		p->pending = 0;
		return;
	}
	trace_event(p->pid, p->c.d->name, p->c.intent, result, p->c.path, p->c.has2 ? p->c.path2 : NULL);
	// before the app reads a byte of it (it is stopped at the syscall's exit)
	if (result == 0 && (p->c.intent == 'r' || p->c.intent == 'x') && (p->c.d->kind == K_OPEN || p->c.d->kind == K_OPENAT2 || p->c.intent == 'x'))
		resident_watch(p->c.path);
	p->pending = 0;
}

static int no_sc_info; // kernel < 5.3: read the registers instead

// Fills si for a syscall or seccomp stop. `seccomp` tells which stop this is, for the
// register fallback, where entry and exit are told apart by rax == -ENOSYS at entry.
static int get_info(pid_t pid, struct sc_info *si, int seccomp)
{
	if (!no_sc_info) {
		if (ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof *si, si) > 0)
			return 0;
		if (errno != EIO && errno != EINVAL)
			return -1;
		no_sc_info = 1;
	}
#if defined(__x86_64__)
	struct user_regs_struct r;
	if (ptrace(PTRACE_GETREGS, pid, 0, &r) < 0)
		return -1;
	if (seccomp || (long)r.rax == -ENOSYS) {
		si->op = seccomp ? SCI_SECCOMP : SCI_ENTRY;
		si->entry.nr = r.orig_rax;
		uint64_t a[6] = {r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9};
		memcpy(si->entry.args, a, sizeof a);
	} else {
		si->op = SCI_EXIT;
		si->exit.rval = (int64_t)r.rax;
		si->exit.is_error = (long)r.rax < 0 && (long)r.rax >= -4095;
	}
	return 0;
#else
	(void)seccomp;
	return -1;
#endif
}

static int record_all;

static void on_entry(struct proc *p, const struct sc_info *si)
{
	p->pending = 0;
	if (record_all)
		trace_syscall_seen((long)si->entry.nr);
	int got = decode_call(p->pid, (long)si->entry.nr, si->entry.args, &p->c);
	if (got < 0) {
		if (g_observing && p->inject == INJ_NONE)
			p->inject = INJ_WANTED; // the loop makes it dumpable and re-runs this syscall
		else
			observe_unreadable(p->pid);
	}
	if (got > 0)
		p->pending = !(g_observing && p->c.intent != 'x' && observe_known_ok(p->c.intent, p->c.path, p->c.has2 ? p->c.path2 : NULL));
}

static void on_exit_stop(struct proc *p, const struct sc_info *si)
{
	if (!p->pending)
		return;
	long rv = si->exit.is_error ? (long)si->exit.rval : 0;
	if (rv <= -512 && rv >= -516) { // ERESTART*: the syscall is re-run and stops again
		p->pending = 0;
		return;
	}
	record(p, rv);
}

static void on_exec(struct proc *p, pid_t root, const struct tracer_opts *o, int *ready_done)
{
	unsigned long former = 0;
	ptrace(PTRACE_GETEVENTMSG, p->pid, 0, &former);
	struct proc *src = (pid_t)former != p->pid ? proc_find((pid_t)former) : p;
	if (src && src->pending && src->c.d && src->c.d->intent == 'x') {
		// A non-leader thread exec'd: the event is reported under the leader's pid.
		src->pid = p->pid;
		record(src, 0);
		src->pid = (pid_t)former;
		exec_extras(p->pid, src->c.path, 1);
	}
	if (src && src != p)
		proc_drop((pid_t)former);
	p->pending = 0;
	if (p->pid == root && !*ready_done) {
		if (o->caps_out)
			privs_record(p->pid, o->caps_out, o->hidden);
		int fd = o->ready ? open(o->ready, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600) : -1;
		if (fd >= 0)
			close(fd);
		*ready_done = 1;
	}
}

/*
 * --observe runs without CAP_SYS_PTRACE. A process that changed its uid in place (nginx's and
 * apache's workers, any server dropping root after binding) is no longer dumpable, and the
 * kernel then refuses us its memory, so none of its paths could be read. At the stop of such a
 * syscall the tracee is made to run prctl(PR_SET_DUMPABLE, 1) instead (allowed to any
 * process for itself), and at that call's exit its registers are put back one instruction
 * earlier, so the original syscall runs again, now readable through PTRACE_PEEKDATA (which
 * asks only that we are its tracer and it is dumpable). The app sees the original syscall
 * once, with its own result; what changes is that it may dump core, as before its uid change.
 * Returns 1 when the tracee was resumed here.
 */
static int make_dumpable(struct proc *p)
{
#if defined(__x86_64__)
	if (p->inject == INJ_WANTED) {
		struct user_regs_struct r;
		if (ptrace(PTRACE_GETREGS, p->pid, 0, &p->saved) < 0) {
			p->inject = INJ_DONE;
			return 0;
		}
		r = p->saved;
		r.orig_rax = SYS_prctl;
		r.rdi = 4; // PR_SET_DUMPABLE
		r.rsi = 1;
		if (ptrace(PTRACE_SETREGS, p->pid, 0, &r) < 0) {
			p->inject = INJ_DONE;
			return 0;
		}
		p->inject = INJ_RUNNING;
		p->pending = 0;
		resume(p, 0); // PTRACE_SYSCALL: the prctl's exit stop comes next
		return 1;
	}
	if (p->inject == INJ_RUNNING) { // the prctl's exit: back to the original syscall
		struct user_regs_struct r = p->saved;
		r.rip -= 2; // `syscall` is two bytes
		r.rax = p->saved.orig_rax;
		p->inject = INJ_DONE;
		ptrace(PTRACE_SETREGS, p->pid, 0, &r);
		resume(p, 0);
		return 1;
	}
#else
	if (p->inject == INJ_WANTED)
		p->inject = INJ_DONE;
#endif
	return 0;
}

int trace_loop(pid_t root, const struct tracer_opts *o)
{
	int ready_done = 0, status = 0;
	base_op = o->mode == MODE_PTRACE ? PTRACE_SYSCALL : PTRACE_CONT;
	record_all = o->syscalls;
	no_sc_info = getenv("SLIMTS_SENSOR_REGS") != NULL; // tests the old-kernel path
	for (;;) {
		int st;
		pid_t pid = wait_any(&st, __WALL);
		if (pid < 0)
			break; // ECHILD: nothing left
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			proc_drop(pid);
			if (pid == root) {
				status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
				break;
			}
			continue; // a thread, a tracee, or a re-parented orphan reaped as PID 1
		}
		if (!WIFSTOPPED(st))
			continue;
		struct proc *p = proc_get(pid);
		int sig = WSTOPSIG(st), ev = st >> 16;
		struct sc_info si;
		if (sig == (SIGTRAP | 0x80)) { // syscall entry/exit (unfiltered or after seccomp)
			if (p->inject == INJ_RUNNING && make_dumpable(p))
				continue;
			if (get_info(pid, &si, 0) == 0) {
				if (si.op == SCI_EXIT)
					on_exit_stop(p, &si);
				else if (si.op == SCI_ENTRY)
					on_entry(p, &si);
			}
			if (p->inject == INJ_WANTED && make_dumpable(p))
				continue;
			resume(p, 0);
			continue;
		}
		if (sig == SIGTRAP && ev) {
			if (ev == PTRACE_EVENT_SECCOMP) {
				if (get_info(pid, &si, 1) == 0 && si.op == SCI_SECCOMP)
					on_entry(p, &si);
				if (p->inject == INJ_WANTED && make_dumpable(p))
					continue;
			} else if (ev == PTRACE_EVENT_EXEC) {
				on_exec(p, root, o, &ready_done);
			}
			resume(p, 0); // fork/vfork/clone events, new tracee's attach stop
			continue;
		}
		if (ev == PTRACE_EVENT_STOP) { // group-stop: stay stopped, but keep reporting
			ptrace(PTRACE_LISTEN, pid, 0, 0);
			continue;
		}
		if (pid == root && sig == SIGSTOP && !p->started) { // the child's own "ready" stop
			p->started = 1;
			resume(p, 0);
			continue;
		}
		resume(p, sig); // signal-delivery stop: deliver it
	}
	return status;
}
