// The app's privileges: the container is created with extra capabilities the sensor needs
// (SYS_PTRACE, SYS_ADMIN, ...); before the app's exec the child gives them up again, so the
// app starts with exactly the sets the engine gives a plain `docker run` of the same image,
// and cannot see, stop, trace or write the sensor and its trace.
#include "sensor.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_LOWER 3
#endif

#define CAP_VERSION_3 0x20080522
struct cap_hdr { uint32_t version; int pid; };
struct cap_data { uint32_t eff, perm, inh; };

static int capget2(struct cap_data d[2])
{
	struct cap_hdr h = {CAP_VERSION_3, 0};
	return (int)syscall(SYS_capget, &h, d);
}

static int capset2(struct cap_data d[2])
{
	struct cap_hdr h = {CAP_VERSION_3, 0};
	return (int)syscall(SYS_capset, &h, d);
}

int privs_parse_mask(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 16);
	if (!*s || *end || errno)
		return -1;
	*out = v;
	return 0;
}

/*
 * A private mount namespace for the app with the sensor's directory covered by an empty
 * read-only tmpfs: a root app keeps CAP_DAC_OVERRIDE by default, so file modes alone would
 * not keep it out of the trace. Without CAP_SYS_ADMIN it cannot unmount the cover, and
 * /proc/1/root is closed to it (the sensor is not dumpable and holds caps the app lacks).
 * Returns 0 when hidden; -1 (errno set) when the engine forbids mounts (e.g. AppArmor).
 */
int privs_hide_dir(const char *dir)
{
	if (unshare(CLONE_NEWNS) < 0)
		return -1;
	// Private, so the cover never propagates back to the sensor's (and docker exec's) view.
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -1;
	return mount("slimts", dir, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0555");
}

/*
 * In the child, after the filter is installed (that needs CAP_SYS_ADMIN, to do without
 * no_new_privs) and before exec: drop `drop` from the bounding, ambient, permitted, effective
 * and inheritable sets and switch to the user as runc does (keep caps over setuid, then set
 * them again), so the pre-exec sets equal the container's minus `drop`. Returns -1 with errno
 * set when a set could not be narrowed: the app must not start with more than asked.
 */
int privs_apply(uint64_t drop, const struct user_spec *u)
{
	struct cap_data d[2];
	if (capget2(d) < 0)
		return -1;
	for (int c = 0; c < 64; c++) {
		if (!(drop >> c & 1) || prctl(PR_CAPBSET_READ, c, 0, 0, 0) != 1)
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
			return -1;
	}
	for (int c = 0; c < 64; c++)
		if (drop >> c & 1)
			prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, c, 0, 0); // EINVAL for caps the kernel lacks
	if (u) {
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || user_apply(u) < 0)
			return -1;
		prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	}
	uint32_t keep0 = ~(uint32_t)drop, keep1 = ~(uint32_t)(drop >> 32);
	d[0].eff &= keep0, d[0].perm &= keep0, d[0].inh &= keep0;
	d[1].eff &= keep1, d[1].perm &= keep1, d[1].inh &= keep1;
	if (drop == 0 && !u)
		return 0;
	return capset2(d);
}

/*
 * The sensor itself: not dumpable, so an app of the same uid cannot ptrace it, read its
 * memory or reach /proc/<sensor>/root or its fds (that also needs CAP_SYS_PTRACE, which the
 * app lacks unless the user adds it).
 */
void privs_guard_self(void)
{
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/*
 * Records the sets the app really runs with: its /proc status lines right after its first
 * exec (the kernel has applied the exec rules by then), plus whether the trace was hidden.
 */
void privs_record(pid_t pid, const char *file, int hidden)
{
	char path[64], line[256], out[1024];
	size_t n = 0;
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "Cap", 3) && strncmp(line, "NoNewPrivs:", 11) && strncmp(line, "Seccomp:", 8))
			continue;
		size_t l = strlen(line);
		if (n + l < sizeof out - 32) {
			memcpy(out + n, line, l);
			n += l;
		}
	}
	fclose(f);
	n += (size_t)snprintf(out + n, sizeof out - n, "TraceHidden:\t%s\n", hidden ? "yes" : "no");
	int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, out, n) < 0) {
		// nothing to do: the controller reports the caps as unknown
	}
	close(fd);
}
