/*
 * Notify mode: the app's memory through /proc/PID/mem, where process_vm_readv is refused
 * (docker's default seccomp profile allows it only with CAP_SYS_PTRACE; a process of another
 * uid). /proc/PID/mem is checked when it is opened, not when it is read, which also covers a
 * process that changes its uid in place (nginx's workers): non-dumpable from then on, its
 * memory is closed to a new open, so the sensor opens it at the uid/capability-changing
 * syscall itself (the filter sends those to us while the process is still as it was).
 *
 * Kept fds are keyed by thread-group leaders only: a leader's pid is not reused while any
 * thread of its process lives, and an fd of an earlier process (exited, or exec'd since:
 * another mm) reads nothing and is dropped, so a kept fd never reads a stranger's memory. A
 * vfork child shares its parent's mm until it execs: its execve forgets its fd. Other threads'
 * memory is opened per notification (procmem_begin/procmem_end), while they wait for us.
 */
#include "sensor.h"
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#define MEMS 256 // direct-mapped by pid
static struct {
	pid_t pid;
	int fd;
} kept[MEMS];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER; // the notify threads share kept[]
static __thread pid_t cur_pid; // the notification being handled, its memory opened for it alone
static __thread int cur_fd = -1;

// pidfd_open without PIDFD_THREAD accepts thread-group leaders only.
static int is_leader(pid_t pid)
{
	int f = (int)syscall(SYS_pidfd_open, pid, 0);
	if (f < 0)
		return 0;
	close(f);
	return 1;
}

static int open_mem(pid_t pid)
{
	char path[40];
	snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
	return open(path, O_RDONLY | O_CLOEXEC);
}

static int slot(pid_t pid)
{
	int i = (int)((unsigned)pid % MEMS);
	return kept[i].pid == pid && kept[i].fd > 0 ? i : -1;
}

static void forget(pid_t pid)
{
	int i = slot(pid);
	if (i >= 0) {
		close(kept[i].fd);
		kept[i].pid = 0;
		kept[i].fd = 0;
	}
}

static void keep(pid_t pid, int fd)
{
	int i = (int)((unsigned)pid % MEMS);
	if (kept[i].fd > 0)
		close(kept[i].fd);
	kept[i].pid = pid;
	kept[i].fd = fd;
}

// The thread group (process) of a thread, from /proc/TID/status (readable for any process).
pid_t tgid_of(pid_t tid)
{
	char path[40], b[1024];
	snprintf(path, sizeof path, "/proc/%d/status", (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, b, sizeof b - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	b[n] = 0;
	char *t = strstr(b, "\nTgid:");
	return t ? (pid_t)atoi(t + 6) : -1;
}

// At a uid/gid/capability change or PR_SET_DUMPABLE: while it still may, open the memory.
void procmem_keep(pid_t tid)
{
	pthread_mutex_lock(&mu);
	if (slot(tid) < 0 && is_leader(tid)) { // glibc's setuid runs on every thread, the leader's turn keeps it
		int fd = open_mem(tid);
		if (fd >= 0)
			keep(tid, fd);
	}
	pthread_mutex_unlock(&mu);
}

// An exec (entry): afterwards the process has another mm.
void procmem_exec(pid_t tid)
{
	pid_t tgid = tgid_of(tid);
	pthread_mutex_lock(&mu);
	forget(tid);
	if (tgid > 0 && tgid != tid)
		forget(tgid);
	pthread_mutex_unlock(&mu);
}

void procmem_begin(pid_t tid)
{
	cur_pid = tid;
	cur_fd = -1;
}

void procmem_end(void)
{
	if (cur_fd >= 0)
		close(cur_fd);
	cur_fd = -1;
	cur_pid = 0;
}

static ssize_t pread_mem(int fd, uint64_t addr, void *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len, (off_t)addr);
	if (n == 0) // the mm is gone: an fd of an earlier process
		errno = ESRCH;
	return n > 0 ? n : -1;
}

static ssize_t read_locked(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	ssize_t n;
	int i = slot(tid);
	if (i >= 0) {
		if ((n = pread_mem(kept[i].fd, addr, buf, len)) > 0 || errno == EIO)
			return n; // EIO: an unmapped address, the mm is fine
		forget(tid);
	}
	if (tid == cur_pid && cur_fd >= 0)
		return pread_mem(cur_fd, addr, buf, len);
	int fd = open_mem(tid);
	if (fd >= 0) {
		if (is_leader(tid))
			keep(tid, fd);
		else if (tid == cur_pid)
			cur_fd = fd;
		n = pread_mem(fd, addr, buf, len);
		if (slot(tid) < 0 && fd != cur_fd)
			close(fd);
		return n;
	}
	// closed to a new open: a thread of a process that changed its uid, whose leader was kept
	pid_t tgid = tgid_of(tid);
	if (tgid > 0 && tgid != tid && (i = slot(tgid)) >= 0)
		return pread_mem(kept[i].fd, addr, buf, len);
	errno = EPERM;
	return -1;
}

ssize_t procmem_read(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	pthread_mutex_lock(&mu);
	ssize_t n = read_locked(tid, addr, buf, len);
	int e = errno;
	pthread_mutex_unlock(&mu);
	errno = e;
	return n;
}
