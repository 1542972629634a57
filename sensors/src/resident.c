// --resident: what start-up read of each big file, by read() or by mapping, as the page cache
// shows it. When the app first opens or execs a regular file of at least RESIDENT_MIN bytes,
// the tracer drops the file's cached pages (posix_fadvise DONTNEED; pages other processes
// have mapped stay) before the app reads a byte; at the app's first answer (the `#answered`
// mark) the pages cached again are what it read, with the kernel's readahead, written as
// `#resident` lines (mincore over a mapping of the file), followed by the `#mapped` lines of
// pages.c. The eStargz writer uses them to tell a library the start-up runs through from a
// data archive it only dips into (src/trace/FORMAT.md).
#include "sensor.h"
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define RESIDENT_MIN (1 << 20) // smaller files are prefetched whole anyway
#define SEEN_SLOTS (1 << 16)
#define MAX_WATCHED 4096

static int enabled;
static uint64_t seen[SEEN_SLOTS]; // path hashes (FNV-1a, 0 = empty); only the tracer thread
static char *watched[MAX_WATCHED];
static int nwatched;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

void resident_enable(void)
{
	enabled = 1;
}

// True the first time a path is offered (a full table says "seen": nothing more is dropped).
static int first_sight(const char *path)
{
	uint64_t h = 1469598103934665603ULL;
	for (const unsigned char *s = (const unsigned char *)path; *s; s++)
		h = (h ^ *s) * 1099511628211ULL;
	if (!h)
		h = 1;
	for (unsigned i = 0; i < SEEN_SLOTS; i++) {
		uint64_t *slot = &seen[(h + i) & (SEEN_SLOTS - 1)];
		if (*slot == h)
			return 0;
		if (!*slot) {
			*slot = h;
			return 1;
		}
	}
	return 0;
}

void resident_watch(const char *path)
{
	if (!enabled || !first_sight(path))
		return;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return;
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= RESIDENT_MIN) {
		pthread_mutex_lock(&mu);
		char *copy = nwatched < MAX_WATCHED ? strdup(path) : NULL;
		if (copy) {
			watched[nwatched++] = copy;
			posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		}
		pthread_mutex_unlock(&mu);
	}
	close(fd);
}

// One file: its cached pages as byte runs.
static void record_file(const char *path, long ps)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return;
	struct stat st;
	void *m = MAP_FAILED;
	unsigned char *vec = NULL;
	size_t pages = 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		pages = ((size_t)st.st_size + (size_t)ps - 1) / (size_t)ps;
		m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
		vec = malloc(pages);
	}
	if (m != MAP_FAILED && vec && mincore(m, (size_t)st.st_size, vec) == 0) {
		static struct range_line line;
		line = (struct range_line){.tag = "#resident", .path = path};
		for (size_t i = 0; i < pages; i++)
			if (vec[i] & 1)
				range_add(&line, (unsigned long long)i * (unsigned long long)ps, (unsigned long long)ps);
		range_flush(&line);
	}
	free(vec);
	if (m != MAP_FAILED)
		munmap(m, (size_t)st.st_size);
	close(fd);
}

void resident_record(void)
{
	long ps = sysconf(_SC_PAGESIZE);
	if (!enabled || ps <= 0)
		return;
	pthread_mutex_lock(&mu);
	for (int i = 0; i < nwatched; i++)
		record_file(watched[i], ps);
	pthread_mutex_unlock(&mu);
	pages_record();
}
