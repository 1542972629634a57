// A path syscall's arguments, read from the process at the syscall's entry: the syscall's
// table entry, the intent, and the path(s) resolved against its cwd or dirfd. Shared by the
// ptrace loop (tracer.c) and the user-notification loop (notify.c).
#include "sensor.h"
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

static int sockpath(pid_t pid, const struct sysdesc *d, const uint64_t *a, char *out)
{
	struct sockaddr_un sa;
	size_t len = (size_t)a[d->flags];
	if (len <= offsetof(struct sockaddr_un, sun_path) + 1)
		return 0;
	if (len > sizeof sa)
		len = sizeof sa;
	memset(&sa, 0, sizeof sa);
	if (read_mem(pid, a[d->path], &sa, len) < (ssize_t)len || sa.sun_family != AF_UNIX || !sa.sun_path[0])
		return 0; // abstract sockets have no file
	sa.sun_path[sizeof sa.sun_path - 1] = 0;
	resolve_at(pid, AT_FDCWD, sa.sun_path, out, SENSOR_PATH_MAX);
	return 1;
}

int decode_call(pid_t pid, long nr, const uint64_t *a, struct call *c)
{
	const struct sysdesc *d = sysdesc_for(nr);
	char raw[SENSOR_PATH_MAX];
	if (!d)
		return 0;
	c->d = d;
	c->intent = d->intent;
	c->has2 = 0;
	if (d->kind == K_SOCK)
		return sockpath(pid, d, a, c->path);
	if (d->kind == K_LISTEN) {
		c->fd = (int)a[0];
		return 1;
	}
	int dfd = d->dfd >= 0 ? (int)a[d->dfd] : AT_FDCWD;
	if (d->path < 0) {
		resolve_at(pid, dfd, NULL, c->path, sizeof c->path); // fchdir
	} else {
		if (read_str(pid, a[d->path], raw, sizeof raw) < 0) {
			raw[0] = 0;
			if (a[d->path] && mem_denied(pid, a[d->path]))
				return -1; // not the cwd: we do not know what it named
		}
		if (!raw[0] && (d->dfd < 0 || d->intent == 's'))
			return 0; // fstat via AT_EMPTY_PATH (as the filter skips it), or a bad pointer
		resolve_at(pid, dfd, raw, c->path, sizeof c->path);
	}
	if (d->kind == K_OPEN || d->kind == K_OPENAT2) {
		uint64_t fl = a[d->flags];
		if (d->kind == K_OPENAT2 && read_mem(pid, a[2], &fl, sizeof fl) != sizeof fl)
			fl = 0;
		if ((fl & O_ACCMODE) != O_RDONLY || (fl & (O_CREAT | O_TRUNC)))
			c->intent = 'w';
	}
	if (d->path2 >= 0) {
		if (read_str(pid, a[d->path2], raw, sizeof raw) < 0)
			raw[0] = 0;
		if (d->kind == K_SYMLINK) // the target is text, not a path the process resolved
			snprintf(c->path2, sizeof c->path2, "%s", raw);
		else
			resolve_at(pid, d->dfd2 >= 0 ? (int)a[d->dfd2] : AT_FDCWD, raw, c->path2, sizeof c->path2);
		c->has2 = 1;
	}
	return 1;
}
