// Table of the syscalls that name paths: the seccomp filter traps exactly these, and the
// tracer decodes them from this table. Legacy calls are guarded (arm64 lacks them).
#include "sensor.h"
#include <sys/syscall.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#ifndef SYS_setxattrat
#define SYS_setxattrat 463
#define SYS_getxattrat 464
#define SYS_listxattrat 465
#define SYS_removexattrat 466
#endif

#define N -1
// nr, name, intent, dfd, path, dfd2, path2, flags, kind
#define P(s, i, d, p) {SYS_##s, #s, i, d, p, N, N, N, K_PLAIN}
#define P2(s, d, p, d2, p2) {SYS_##s, #s, 'w', d, p, d2, p2, N, K_PLAIN}

const struct sysdesc sysdescs[] = {
#ifdef SYS_open
	{SYS_open, "open", 'r', N, 0, N, N, 1, K_OPEN},
	P(creat, 'w', N, 0),
	P(stat, 's', N, 0),
	P(lstat, 's', N, 0),
	P(access, 's', N, 0),
	P(readlink, 'r', N, 0),
	P(mkdir, 'w', N, 0),
	P(unlink, 'w', N, 0),
	P(rmdir, 'w', N, 0),
	P2(rename, N, 0, N, 1),
	P2(link, N, 0, N, 1),
	{SYS_symlink, "symlink", 'w', N, 1, N, 0, N, K_SYMLINK},
	P(chmod, 'w', N, 0),
	P(chown, 'w', N, 0),
	P(lchown, 'w', N, 0),
	P(utime, 'w', N, 0),
	P(utimes, 'w', N, 0),
	P(futimesat, 'w', 0, 1),
	P(mknod, 'w', N, 0),
	P(uselib, 'r', N, 0),
#endif
	{SYS_openat, "openat", 'r', 0, 1, N, N, 2, K_OPEN},
	{SYS_openat2, "openat2", 'r', 0, 1, N, N, 2, K_OPENAT2},
	P(execve, 'x', N, 0),
	P(execveat, 'x', 0, 1),
#ifdef SYS_newfstatat
	P(newfstatat, 's', 0, 1),
#endif
#ifdef SYS_fstatat
	P(fstatat, 's', 0, 1),
#endif
	P(statx, 's', 0, 1),
	P(faccessat, 's', 0, 1),
	P(faccessat2, 's', 0, 1),
	P(readlinkat, 'r', 0, 1),
	P(chdir, 'd', N, 0),
	P(fchdir, 'd', 0, N),
	P(chroot, 'd', N, 0),
	P(truncate, 'w', N, 0),
	P(statfs, 's', N, 0),
	P(mkdirat, 'w', 0, 1),
	P(unlinkat, 'w', 0, 1),
#ifdef SYS_renameat
	P2(renameat, 0, 1, 2, 3),
#endif
	P2(renameat2, 0, 1, 2, 3),
	P2(linkat, 0, 1, 2, 3),
	{SYS_symlinkat, "symlinkat", 'w', 1, 2, N, 0, N, K_SYMLINK},
	P(fchmodat, 'w', 0, 1),
	P(fchmodat2, 'w', 0, 1),
	P(fchownat, 'w', 0, 1),
	P(utimensat, 'w', 0, 1),
	P(getxattr, 'r', N, 0),
	P(lgetxattr, 'r', N, 0),
	P(listxattr, 'r', N, 0),
	P(llistxattr, 'r', N, 0),
	P(setxattr, 'w', N, 0),
	P(lsetxattr, 'w', N, 0),
	P(removexattr, 'w', N, 0),
	P(lremovexattr, 'w', N, 0),
	P(getxattrat, 'r', 0, 1),
	P(listxattrat, 'r', 0, 1),
	P(setxattrat, 'w', 0, 1),
	P(removexattrat, 'w', 0, 1),
	P(mknodat, 'w', 0, 1),
	P(inotify_add_watch, 'r', N, 1),
	P(name_to_handle_at, 's', 0, 1),
	P(fanotify_mark, 's', 3, 4),
	P(acct, 'w', N, 0),
	P(swapon, 'r', N, 0),
	// AF_UNIX socket paths (connect to /dev/log, /run/...); other families are not recorded.
	{SYS_connect, "connect", 'r', N, 1, N, N, 2, K_SOCK},
	{SYS_bind, "bind", 'w', N, 1, N, N, 2, K_SOCK},
	// a TCP port the app listens on (listen.c): the ports to probe
	{SYS_listen, "listen", 's', N, N, N, N, N, K_LISTEN},
};
const int nsysdescs = sizeof sysdescs / sizeof *sysdescs;

#define MAXNR 512
static short byno[MAXNR];
static int ready;

const struct sysdesc *sysdesc_for(long nr)
{
	if (!ready) {
		for (int i = 0; i < nsysdescs; i++)
			if (sysdescs[i].nr >= 0 && sysdescs[i].nr < MAXNR)
				byno[sysdescs[i].nr] = (short)(i + 1);
		ready = 1;
	}
	if (nr < 0 || nr >= MAXNR || !byno[nr])
		return NULL;
	return &sysdescs[byno[nr] - 1];
}
