// With --resident, at the app's first answer: which parts of each file its processes have
// mapped, from their page tables (/proc/PID/pagemap "present" bits of every file-backed
// mapping in /proc/PID/maps), as `#mapped` lines. Unlike the page cache (resident.c) this
// holds no read-around: a fault maps only its page and the cached neighbours in its 64 KiB
// window, while the cache around it may have been filled megabytes wide (a disk's
// read_ahead_kb). Reads through read() do not show here. Our tracees are the processes whose
// TracerPid is us.
#include "sensor.h"
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PM_BATCH 4096 // pagemap entries read at once

static int traced_by_us(const char *pid, pid_t me)
{
	char p[300], line[256];
	snprintf(p, sizeof p, "/proc/%s/status", pid);
	FILE *f = fopen(p, "re");
	if (!f)
		return 0;
	int ours = 0;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "TracerPid:", 10)) {
			ours = atoi(line + 10) == (int)me;
			break;
		}
	fclose(f);
	return ours;
}

// One mapping: its present pages as byte runs of the file.
static void mapping(int pm, unsigned long start, unsigned long end, unsigned long long off, const char *path, long ps)
{
	static uint64_t ents[PM_BATCH];
	static struct range_line line;
	line = (struct range_line){.tag = "#mapped", .path = path};
	unsigned long pages = (end - start) / (unsigned long)ps;
	for (unsigned long i = 0; i < pages; i += PM_BATCH) {
		unsigned long want = pages - i < PM_BATCH ? pages - i : PM_BATCH;
		ssize_t got = pread(pm, ents, want * 8, (off_t)((start / (unsigned long)ps + i) * 8));
		if (got <= 0)
			break;
		for (unsigned long k = 0; k < (unsigned long)got / 8; k++)
			if (ents[k] >> 63)
				range_add(&line, off + (unsigned long long)(i + k) * (unsigned long long)ps, (unsigned long long)ps);
	}
	range_flush(&line);
}

static void process(const char *pid, long ps)
{
	char p[300];
	snprintf(p, sizeof p, "/proc/%s/maps", pid);
	FILE *maps = fopen(p, "re");
	snprintf(p, sizeof p, "/proc/%s/pagemap", pid);
	int pm = open(p, O_RDONLY | O_CLOEXEC);
	char *line = NULL;
	size_t cap = 0;
	while (maps && pm >= 0 && getline(&line, &cap, maps) > 0) {
		unsigned long start, end;
		unsigned long long off, inode;
		int at = 0;
		// start-end perms offset dev inode [path]; the path is the rest of the line
		if (sscanf(line, "%lx-%lx %*s %llx %*s %llu %n", &start, &end, &off, &inode, &at) < 4 || !inode || !at)
			continue;
		char *path = line + at;
		path[strcspn(path, "\n")] = 0;
		size_t len = strlen(path);
		if (path[0] != '/' || (len > 10 && !strcmp(path + len - 10, " (deleted)")))
			continue;
		mapping(pm, start, end, off, path, ps);
	}
	free(line);
	if (maps)
		fclose(maps);
	if (pm >= 0)
		close(pm);
}

void pages_record(void)
{
	long ps = sysconf(_SC_PAGESIZE);
	pid_t me = getpid();
	DIR *d = opendir("/proc");
	if (!d || ps <= 0) {
		if (d)
			closedir(d);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9' && traced_by_us(e->d_name, me))
			process(e->d_name, ps);
	closedir(d);
}
