// Tracee memory access and path resolution: relative paths are joined to /proc/PID/cwd or
// /proc/PID/fd/DIRFD and folded lexically (symlinks are not resolved, see FORMAT.md).
#include "sensor.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <unistd.h>

static int no_vm_readv = -1; // process_vm_readv unavailable (seccomp profile, old kernel)

static ssize_t peek(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		uint64_t a = (addr + done) & ~(uint64_t)7;
		errno = 0;
		long w = ptrace(PTRACE_PEEKDATA, pid, (void *)a, 0);
		if (errno)
			return done ? (ssize_t)done : -1;
		size_t off = (size_t)(addr + done - a), n = 8 - off;
		if (n > len - done)
			n = len - done;
		memcpy((char *)buf + done, (char *)&w + off, n);
		done += n;
	}
	return (ssize_t)done;
}

// process_vm_readv refused with EPERM: for every process (a seccomp profile: reading our own
// memory fails too) or only for this one (not dumpable, another uid, no CAP_SYS_PTRACE),
// where PTRACE_PEEKDATA, which asks only that we trace it, still works.
static int vm_blocked_for_all(void)
{
	static int known = -1;
	if (known < 0) {
		char a = 'x', b = 0;
		struct iovec l = {&b, 1}, r = {&a, 1};
		known = process_vm_readv(getpid(), &l, 1, &r, 1, 0) != 1;
	}
	return known;
}

static pid_t refused_pid; // the last process process_vm_readv refused (a worker reads many paths)

// 1: read through process_vm_readv; 0: it failed for this process, use PEEKDATA.
static int vm_read(pid_t pid, uint64_t addr, void *buf, size_t len, ssize_t *out)
{
	if (no_vm_readv < 0)
		no_vm_readv = getenv("SLIMTS_SENSOR_PEEK") != NULL; // tests the fallback
	if (no_vm_readv || pid == refused_pid)
		return 0;
	struct iovec l = {buf, len}, r = {(void *)addr, len};
	*out = process_vm_readv(pid, &l, 1, &r, 1, 0);
	if (*out >= 0 || (errno != ENOSYS && errno != EPERM))
		return 1;
	if (errno == ENOSYS || vm_blocked_for_all())
		no_vm_readv = 1;
	else
		refused_pid = pid; // a reused pid only reads the slower way: PEEKDATA works for any tracee
	return 0;
}

// Notify mode: no tracer, so no PEEKDATA; a refused process is read through procmem.c.
static ssize_t (*fallback)(pid_t pid, uint64_t addr, void *buf, size_t len) = peek;
static int fallback_words = 1; // PEEKDATA reads word by word; procmem.c reads any length

void paths_notify_mode(void)
{
	fallback = procmem_read;
	fallback_words = 0;
}

ssize_t read_mem(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	ssize_t n;
	return vm_read(pid, addr, buf, len, &n) ? n : fallback(pid, addr, buf, len);
}

// Reads a NUL-terminated string page by page (a read across an unmapped page fails); from a
// process process_vm_readv refuses, word by word with PEEKDATA up to the NUL (a page-sized
// PEEKDATA read would cost 512 syscalls).
ssize_t read_str(pid_t pid, uint64_t addr, char *buf, size_t size)
{
	size_t got = 0;
	int words = 0;
	if (!addr)
		return -1;
	while (got < size - 1) {
		size_t chunk = words ? 8 - ((addr + got) & 7) : 4096 - ((addr + got) & 4095);
		if (chunk > size - 1 - got)
			chunk = size - 1 - got;
		ssize_t n;
		if (words)
			n = fallback(pid, addr + got, buf + got, chunk);
		else if (!vm_read(pid, addr + got, buf + got, chunk, &n)) {
			if (fallback_words) {
				words = 1;
				continue;
			}
			n = fallback(pid, addr + got, buf + got, chunk);
		}
		if (n <= 0)
			break;
		char *z = memchr(buf + got, 0, (size_t)n);
		if (z)
			return z - buf;
		got += (size_t)n;
	}
	buf[got] = 0;
	return got ? (ssize_t)got : -1;
}

// Folds "//", "/./" and "/../" in an absolute path, in place.
void normalize(char *p)
{
	if (p[0] != '/')
		return;
	char *out = p, *in = p;
	while (*in) {
		while (*in == '/')
			in++;
		char *seg = in;
		while (*in && *in != '/')
			in++;
		size_t len = (size_t)(in - seg);
		if (len == 0 || (len == 1 && seg[0] == '.'))
			continue;
		if (len == 2 && seg[0] == '.' && seg[1] == '.') {
			while (out > p && *--out != '/')
				;
			continue;
		}
		*out++ = '/';
		memmove(out, seg, len);
		out += len;
	}
	if (out == p)
		*out++ = '/';
	*out = 0;
}

static int fd_path(pid_t pid, int fd, char *out, size_t size)
{
	char link[64];
	if (fd == AT_FDCWD)
		snprintf(link, sizeof link, "/proc/%d/cwd", pid);
	else
		snprintf(link, sizeof link, "/proc/%d/fd/%d", pid, fd);
	ssize_t n = readlink(link, out, size - 1);
	if (n < 0)
		return -1;
	out[n] = 0;
	return 0;
}

// path NULL or "" means the directory fd itself (AT_EMPTY_PATH, fchdir, utimensat(fd, NULL)).
int resolve_at(pid_t pid, int dfd, const char *path, char *out, size_t size)
{
	if (path && path[0] == '/') {
		snprintf(out, size, "%s", path);
	} else {
		char base[SENSOR_PATH_MAX];
		if (fd_path(pid, dfd, base, sizeof base) < 0) {
			snprintf(out, size, "%s", path ? path : "");
			return -1;
		}
		if (base[0] != '/') { // pipe:[..], socket:[..], anon_inode:..
			snprintf(out, size, "%s", base);
			return 0;
		}
		if (path && path[0])
			snprintf(out, size, "%s/%s", base, path);
		else
			snprintf(out, size, "%s", base);
	}
	normalize(out);
	return 0;
}

// The kernel refuses to let us read pid's memory at all (not a bad pointer): it is not
// dumpable and we lack CAP_SYS_PTRACE.
int mem_denied(pid_t pid, uint64_t addr)
{
	char c;
	struct iovec l = {&c, 1}, r = {(void *)addr, 1};
	if (process_vm_readv(pid, &l, 1, &r, 1, 0) >= 0)
		return 0;
	if (errno == EPERM && !fallback_words && procmem_read(pid, addr, &c, 1) == 1)
		return 0;
	return errno == EPERM;
}
