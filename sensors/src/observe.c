// --observe (the sensor of `slimts instrument`'s images): the observation file's name, each
// distinct event written once, and PID 1's signal rules kept for the app.
#include "sensor.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

/*
 * A server opens the same files for every request: without this the file would grow with the
 * traffic, not with what the app uses. A set of 64-bit hashes of (intent, result, path, path2),
 * open addressing; the pages are touched only as it fills. Once 3/4 full every event is
 * written again (correct, only bigger). A hash collision drops an event: at 2^-64 per pair.
 */
#define SEEN_SLOTS (1u << 20)
int g_observing; // --observe is on (set by main)
static uint64_t *seen;
static unsigned seen_used;

static uint64_t fnv(uint64_t h, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	return (h ^ 0xff) * 0x100000001b3ULL; // field separator
}

static uint64_t key(char intent, const char *result, const char *path, const char *path2)
{
	char in[2] = {intent, 0};
	uint64_t h = fnv(fnv(fnv(fnv(0xcbf29ce484222325ULL, in), result), path), path2 ? path2 : "");
	return h ? h : 1; // 0 marks an empty slot
}

// Whether the event was written before; if not, it is remembered (the caller writes it).
int observe_seen(char intent, const char *result, const char *path, const char *path2)
{
	if (!seen && !(seen = calloc(SEEN_SLOTS, sizeof *seen)))
		return 0;
	if (seen_used >= SEEN_SLOTS / 4 * 3)
		return 0;
	uint64_t h = key(intent, result, path, path2);
	for (unsigned i = (unsigned)h & (SEEN_SLOTS - 1);; i = (i + 1) & (SEEN_SLOTS - 1)) {
		if (seen[i] == h)
			return 1;
		if (!seen[i]) {
			seen[i] = h;
			seen_used++;
			return 0;
		}
	}
}

// Whether the event was written before, without remembering it.
int observe_has(char intent, const char *result, const char *path, const char *path2)
{
	if (!seen || seen_used >= SEEN_SLOTS / 4 * 3)
		return 0;
	uint64_t h = key(intent, result, path, path2);
	for (unsigned i = (unsigned)h & (SEEN_SLOTS - 1); seen[i]; i = (i + 1) & (SEEN_SLOTS - 1))
		if (seen[i] == h)
			return 1;
	return 0;
}

/*
 * At a syscall's entry: the same access already succeeded once, so its result adds nothing
 * (a failure after a success keeps nothing more) and the tracer lets the syscall run without
 * stopping at its exit: a server's repeated opens then cost one stop, not two.
 */
int observe_known_ok(char intent, const char *path, const char *path2)
{
	return observe_has(intent, "0", path, path2);
}

/*
 * DIR/obs-<host>-<start ms>-<pid>-<random>.slimobs: replicas (host), restarts of one
 * container (time) and two starts in one millisecond (random) never share a name; O_EXCL in
 * the writer makes a clash an error rather than an overwrite.
 */
int observe_name(const char *dir, char *out, size_t size, char *host, size_t hsize)
{
	struct timeval tv;
	unsigned char r[6];
	char safe[65];
	size_t n = 0;
	if (gethostname(host, hsize) < 0 || !host[0])
		snprintf(host, hsize, "unknown");
	host[hsize - 1] = 0;
	for (const char *p = host; *p && n < sizeof safe - 1; p++) // a name, never a path
		safe[n++] = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ? *p : '_';
	safe[n] = 0;
	if (getrandom(r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
		gettimeofday(&tv, NULL);
		uint64_t x = (uint64_t)tv.tv_usec * 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)&tv;
		memcpy(r, &x, sizeof r);
	}
	gettimeofday(&tv, NULL);
	int w = snprintf(out, size, "%s/obs-%s-%llu-%d-%02x%02x%02x%02x%02x%02x.slimobs", dir, safe,
			 (unsigned long long)tv.tv_sec * 1000 + (unsigned long long)tv.tv_usec / 1000, (int)getpid(),
			 r[0], r[1], r[2], r[3], r[4], r[5]);
	return w > 0 && (size_t)w < size ? 0 : -1;
}

/*
 * As PID 1 the original app gets only the signals it has a handler for (the kernel drops the
 * rest, also from outside: `docker stop` of an app without a SIGTERM handler waits for the
 * SIGKILL). Forwarding those to the app, no longer PID 1, would kill it instead: forward a
 * signal only when the app catches it. Async-signal-safe (open/read/close only).
 */
int app_handles(pid_t pid, int sig)
{
	char path[40], b[2048];
	int n = 0;
	char *p = path + sizeof path;
	*--p = 0;
	p -= 7;
	memcpy(p, "/status", 7);
	unsigned v = (unsigned)pid;
	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10));
	p -= 6;
	memcpy(p, "/proc/", 6);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	for (ssize_t r; n < (int)sizeof b - 1 && (r = read(fd, b + n, sizeof b - 1 - (size_t)n)) > 0;)
		n += (int)r;
	close(fd);
	b[n] = 0;
	char *c = strstr(b, "SigCgt:\t");
	if (!c)
		return 1;
	uint64_t mask = 0;
	for (c += 8; (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f'); c++)
		mask = mask << 4 | (uint64_t)(*c <= '9' ? *c - '0' : *c - 'a' + 10);
	return sig >= 1 && sig <= 64 && (mask >> (sig - 1) & 1);
}

// A process whose memory we may not read (it changed user, or exec'd a setuid or unreadable
// program: not dumpable, and we hold no CAP_SYS_PTRACE): its paths cannot be recorded. Said once.
void observe_unreadable(pid_t pid)
{
	static int said;
	if (said)
		return;
	said = 1;
	fprintf(stderr, "slimts-sensor: cannot read the memory of process %d (not dumpable: it changed user or runs a "
			"setuid/unreadable program); its file accesses are not recorded\n", (int)pid);
}
