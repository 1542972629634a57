// Notify mode: the memory of processes process_vm_readv refuses us. A process that changes
// its uid in place (nginx's workers) becomes non-dumpable and, without CAP_SYS_PTRACE, its
// memory is closed to us from then on. /proc/PID/mem is checked when it is opened, not when
// it is read, so the sensor opens it at the process's uid/capability-changing syscall (the
// filter sends those to us while the process is still as it was) and reads it later.
#include "sensor.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MEMS 64
static struct {
	pid_t tgid;
	int fd;
} mems[MEMS];
static unsigned next_slot;

// The thread group (process) of a thread, from /proc/TID/status (readable for any process).
static pid_t tgid_of(pid_t tid)
{
	char path[40], b[1024];
	snprintf(path, sizeof path, "/proc/%d/status", (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, b, sizeof b - 1);
	close(fd);
	if (n <= 0)
		return -1;
	b[n] = 0;
	char *t = strstr(b, "\nTgid:");
	return t ? (pid_t)atoi(t + 6) : -1;
}

static int slot_of(pid_t tgid)
{
	for (int i = 0; i < MEMS; i++)
		if (mems[i].fd > 0 && mems[i].tgid == tgid)
			return i;
	return -1;
}

static void drop(int i)
{
	close(mems[i].fd);
	mems[i].fd = 0;
	mems[i].tgid = 0;
}

// At a uid/gid/capability change or PR_SET_DUMPABLE: while it still may, open the process's
// memory (again: a pid reused since names another process).
void procmem_keep(pid_t tid)
{
	pid_t tgid = tgid_of(tid);
	char path[40];
	if (tgid <= 0)
		return;
	snprintf(path, sizeof path, "/proc/%d/mem", (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return; // already closed to us (it was so from its exec): the reader says so
	int i = slot_of(tgid);
	if (i < 0) {
		i = (int)(next_slot++ % MEMS);
		if (mems[i].fd > 0)
			close(mems[i].fd);
	} else {
		close(mems[i].fd);
	}
	mems[i].tgid = tgid;
	mems[i].fd = fd;
}

/*
 * Reads tid's memory through the kept fd. Keyed by the thread group: a group leader's pid is
 * not reused while any of its threads lives, and an fd of an earlier process (exited, or
 * exec'd since: another mm) reads nothing and is dropped, so a kept fd never reads a
 * stranger's memory.
 */
ssize_t procmem_read(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	pid_t tgid = tgid_of(tid);
	int i = tgid > 0 ? slot_of(tgid) : -1;
	if (i < 0) {
		errno = EPERM;
		return -1;
	}
	ssize_t n = pread(mems[i].fd, buf, len, (off_t)addr);
	if (n == 0 || (n < 0 && errno != EIO && errno != EFAULT)) {
		drop(i);
		errno = EPERM;
		return -1;
	}
	return n;
}
