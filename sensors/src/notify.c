/*
 * Notify mode (--observe, the default where the kernel allows it): no ptrace. The app's first
 * process installs the filter with SECCOMP_RET_USER_NOTIF for the path syscalls and hands the
 * listener fd to the sensor over a socketpair before it execs; threads and children inherit
 * the filter and never stop for a tracer. The sensor's notify thread receives each path
 * syscall at its entry, reads and resolves the path while the caller waits, answers
 * SECCOMP_USER_NOTIF_FLAG_CONTINUE (the kernel then runs the syscall as without us) and only
 * then records it. Every notification is answered, whatever happened: the app never waits on
 * more than one path read of ours. The syscall's own result is not known at its entry; the
 * event's result is what the sensor finds when it looks the path up itself (`OBSERVATIONS.md`).
 */
#include "sensor.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

// linux/seccomp.h (musl ships none)
struct notif {
	uint64_t id;
	uint32_t pid, flags;
	struct {
		int32_t nr;
		uint32_t arch;
		uint64_t ip, args[6];
	} data;
};
struct notif_resp {
	uint64_t id;
	int64_t val;
	int32_t error;
	uint32_t flags;
};
#define NOTIF_RECV _IOWR('!', 0, struct notif)
#define NOTIF_SEND _IOWR('!', 1, struct notif_resp)
#define NOTIF_ID_VALID _IOW('!', 2, uint64_t)
#define NOTIF_SET_FLAGS _IOW('!', 4, uint64_t)
#define USER_NOTIF_FLAG_CONTINUE 1u
#define USER_NOTIF_FD_SYNC_WAKE_UP 1ul

#define PID_LIMIT (1 << 22) // the kernel's PID_MAX_LIMIT on 64-bit
static int listener = -1;
static __thread struct call call; // each notify thread decodes its own
// The notify threads share the dedupe set: checking and recording it hold this.
static pthread_mutex_t seen_mu = PTHREAD_MUTEX_INITIALIZER;

// One byte carrying one fd (SCM_RIGHTS), both ways.
struct fdmsg {
	char c;
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov;
	struct msghdr m;
};

static void fdmsg_init(struct fdmsg *f)
{
	memset(f, 0, sizeof *f);
	f->c = 'l';
	f->iov = (struct iovec){&f->c, 1};
	f->m.msg_iov = &f->iov;
	f->m.msg_iovlen = 1;
	f->m.msg_control = f->u.b;
	f->m.msg_controllen = sizeof f->u.b;
}

// The child: the filter and its listener, sent to the sensor. Returns the mode reached, or -1
// (errno) when user notification is refused; the child then goes on with ptrace.
int notify_child(int sock)
{
	int nnp, fd;
	const char *off = getenv("SLIMTS_SENSOR_NOTIFY");
	if (off && !strcmp(off, "0")) { // tests: as a kernel or runtime refusing it
		errno = EPERM;
		return -1;
	}
	if ((fd = filter_install_listener(&nnp)) < 0)
		return -1;
	struct fdmsg f;
	fdmsg_init(&f);
	struct cmsghdr *cm = CMSG_FIRSTHDR(&f.m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof fd);
	ssize_t n;
	while ((n = sendmsg(sock, &f.m, 0)) < 0 && errno == EINTR)
		;
	close(fd);
	// Installed but not handed over: every path syscall would fail with ENOSYS from now on.
	if (n != 1) {
		fprintf(stderr, "slimts-sensor: cannot hand the seccomp listener over: %s\n", strerror(errno));
		_exit(126);
	}
	return nnp ? MODE_NOTIFY_NNP : MODE_NOTIFY;
}

// The sensor: the listener fd the child sent.
int notify_receive(int sock)
{
	struct fdmsg f;
	fdmsg_init(&f);
	ssize_t n;
	while ((n = recvmsg(sock, &f.m, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	struct cmsghdr *cm = n == 1 ? CMSG_FIRSTHDR(&f.m) : NULL;
	if (!cm || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(cm), sizeof fd);
	return fd;
}

static int cred_call(long nr)
{
	switch (nr) {
	case SYS_setuid: case SYS_setgid: case SYS_setreuid: case SYS_setregid: case SYS_setresuid:
	case SYS_setresgid: case SYS_setfsuid: case SYS_setfsgid: case SYS_capset: case SYS_prctl:
		return 1;
	}
	return 0;
}

static void answer(uint64_t id)
{
	struct notif_resp r = {id, 0, 0, USER_NOTIF_FLAG_CONTINUE};
	// ENOENT: the caller died or a signal interrupted it (the syscall restarts, a new notification)
	while (ioctl(listener, NOTIF_SEND, &r) < 0 && errno == EINTR)
		;
}

// The event's result: the path as the sensor finds it at the syscall's entry.
static long lookup(const char *path)
{
	struct stat st;
	if (path[0] != '/')
		return -ENOENT;
	if (stat(path, &st) == 0 || (errno == ENOENT && lstat(path, &st) == 0))
		return 0;
	return -errno;
}

// The summary's processes=: distinct pids/tids seen, as the ptrace loop counts its tracees.
static void note_pid(pid_t pid)
{
	static unsigned char *bits;
	if (!bits && !(bits = calloc(PID_LIMIT / 8, 1)))
		return;
	unsigned char bit = (unsigned char)(1u << (pid % 8));
	if (pid > 0 && pid < PID_LIMIT && !(bits[pid / 8] & bit) && !(__atomic_fetch_or(&bits[pid / 8], bit, __ATOMIC_RELAXED) & bit))
		trace_note_process();
}

static void handle(const struct notif *n)
{
	pid_t pid = (pid_t)n->pid;
	long nr = n->data.nr;
	note_pid(pid);
	trace_note_notification();
	if (cred_call(nr)) {
		procmem_keep(pid);
		answer(n->id);
		return;
	}
	procmem_begin(pid);
	int got = decode_call(pid, nr, (const uint64_t *)n->data.args, &call);
	procmem_end();
	if (got > 0 && call.intent == 'x')
		procmem_exec(pid); // before the answer: the exec runs after it
	const char *p2 = call.has2 ? call.path2 : NULL;
	// Only a new access is checked and recorded; a repeated one costs the read alone.
	int known = 0;
	if (got > 0) {
		pthread_mutex_lock(&seen_mu);
		known = observe_has(call.intent, "?", call.path, p2);
		pthread_mutex_unlock(&seen_mu);
	}
	if (got <= 0 || known) {
		answer(n->id);
		if (got < 0)
			observe_unreadable(pid);
		return;
	}
	// Still the same process (not a pid reused since)? Then what we read was its path.
	int valid = ioctl(listener, NOTIF_ID_VALID, &n->id) == 0;
	// an exec is reported under the process's pid, as the ptrace loop does (a thread's exec
	// replaces the whole process, which keeps the leader's pid)
	pid_t who = valid && call.intent == 'x' ? tgid_of(pid) : pid;
	if (who <= 0)
		who = pid;
	answer(n->id);
	if (!valid)
		return;
	long result = lookup(call.path);
	pthread_mutex_lock(&seen_mu);
	observe_seen(call.intent, "?", call.path, p2); // looked at: not again
	trace_event(who, call.d->name, call.intent, result, call.path, p2);
	if (call.intent == 'x')
		exec_extras(who, call.path, 0);
	pthread_mutex_unlock(&seen_mu);
}

static void *loop(void *arg)
{
	(void)arg;
	for (;;) {
		struct notif n;
		memset(&n, 0, sizeof n);
		if (ioctl(listener, NOTIF_RECV, &n) < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOENT) { // the caller died meanwhile, or no process is left to notify
				struct pollfd p = {listener, POLLIN, 0};
				while (poll(&p, 1, -1) < 0 && errno == EINTR)
					;
				if (p.revents & POLLHUP)
					return NULL; // the app's tree is gone: the main thread is finishing
				continue;
			}
			// Never leave the app waiting on us: closed, the kernel fails the path syscalls
			// with ENOSYS instead. Not seen in practice (RECV fails only on bad arguments).
			fprintf(stderr, "slimts-sensor: seccomp notifications: %s; file accesses are no longer recorded\n", strerror(errno));
			close(listener);
			return NULL;
		}
		handle(&n);
	}
	return NULL;
}

/*
 * One notify thread by default. The kernel (>= 6.6) wakes every thread waiting in RECV for
 * each notification (one takes it, the others sleep again), so a second thread costs each
 * notification another wake-up: nginx's CPU per request in the bench, 55.6 us with one thread,
 * 63.9 with two. SLIMTS_SENSOR_NOTIFY_THREADS=N (at most 4) for apps where one waiting thread
 * of ours would hold many app threads.
 */
static int threads(void)
{
	const char *e = getenv("SLIMTS_SENSOR_NOTIFY_THREADS");
	int n = e ? atoi(e) : 1;
	return n < 1 ? 1 : n > 4 ? 4 : n;
}

// Starts the notify threads and reaps as PID 1 until the app exits; returns its status.
int notify_run(pid_t root, int fd)
{
	listener = fd;
	paths_notify_mode();
	// kernel >= 6.6: the caller's wake-up runs us on its CPU and ours it on ours, like a
	// function call; older kernels say EINVAL and wake up the usual way
	ioctl(listener, NOTIF_SET_FLAGS, USER_NOTIF_FD_SYNC_WAKE_UP);
	for (int i = threads(); i > 0; i--)
		start_helper_thread(loop);
	int status = 0;
	for (;;) {
		int st;
		pid_t pid = wait_any(&st, 0);
		if (pid < 0)
			break;
		if (pid == root && (WIFEXITED(st) || WIFSIGNALED(st))) {
			status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			break;
		}
	}
	return status;
}
