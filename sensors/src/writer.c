// Trace writer: events are formatted into a memory buffer and written in 64 KiB batches to
// FILE.tmp (FILE.<pid>.part with --append), renamed to the final name once the summary is
// written, so a trace under its final name is complete. Shared with the fanotify thread.
// A file stops growing at TRACE_MAX (the host refuses bigger ones); events not written, for
// that or a full disk, are counted in the summary's dropped=.
#include "sensor.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define BATCH (64 << 10)
#define TRACE_MAX (256ULL << 20)
#define SUMMARY_ROOM 4096 // the #end line always fits
#define LINE_MAX_ (4 * 2 * SENSOR_PATH_MAX + 512) // one event, both paths fully escaped
static char buf[BATCH + 4 * 2 * SENSOR_PATH_MAX + 512];
static size_t used;
static int fd = -1;
static unsigned long long seq, nproc, dropped, bytes_out, trace_max = TRACE_MAX;
static char tmpname[SENSOR_PATH_MAX], finalname[SENSOR_PATH_MAX];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int observing; // --observe: each distinct event once, the bound said on stderr once

static void flush(void)
{
	size_t off = 0;
	while (off < used) {
		ssize_t n = write(fd, buf + off, used - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			// Disk full: drop rather than stall the app, and count the lost lines.
			for (size_t i = off; i < used; i++)
				dropped += buf[i] == '\n';
			break;
		}
		off += (size_t)n;
		bytes_out += (size_t)n;
	}
	used = 0;
}

// Called when the sensor gets a signal: what is buffered reaches FILE.tmp even if a SIGKILL
// follows (docker stop's timeout).
void trace_flush(void)
{
	pthread_mutex_lock(&mu);
	if (fd >= 0 && used)
		flush();
	pthread_mutex_unlock(&mu);
}

int trace_open(const char *file, int append)
{
	// Tests lower the cap to see dropping happen; nothing can raise it.
	const char *m = getenv("SLIMTS_SENSOR_TRACE_MAX");
	unsigned long long v = m ? strtoull(m, NULL, 10) : 0;
	if (v >= LINE_MAX_ + 2 * SUMMARY_ROOM && v < trace_max)
		trace_max = v;
	if (append) {
		// The part is named by our pid; a pid reused since (many health checks) must not
		// replace an earlier part, so step past pid_max's range until the name is free.
		for (long long n = getpid(); n < (1LL << 40); n += 1 << 22) {
			snprintf(tmpname, sizeof tmpname, "%s.%lld.part", file, n);
			snprintf(finalname, sizeof finalname, "%s.%lld.done", file, n);
			if (access(finalname, F_OK) == 0)
				continue;
			fd = open(tmpname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
			if (fd >= 0 || errno != EEXIST)
				return fd < 0 ? -1 : 0;
		}
		return -1;
	} else {
		snprintf(tmpname, sizeof tmpname, "%s.tmp", file);
		snprintf(finalname, sizeof finalname, "%s", file);
	}
	// Sensor-owned, never through a link someone planted (the app cannot reach this dir,
	// see privs.c; this is for the --append helpers in the shared one).
	fd = open(tmpname, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	return fd < 0 ? -1 : 0;
}

static char *escape(char *o, const char *s);

// --observe: FILE is new (O_EXCL: a name some earlier start took is never reused), written in
// place (no rename: a reader knows a finished file by its #end line) and readable by whoever
// copies the volume out. MAX lowers the 256 MiB bound.
int trace_open_observation(const char *file, unsigned long long max)
{
	observing = 1;
	if (max >= LINE_MAX_ + 2 * SUMMARY_ROOM && max < trace_max)
		trace_max = max;
	snprintf(tmpname, sizeof tmpname, "%s", file);
	snprintf(finalname, sizeof finalname, "%s", file);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	return fd < 0 ? -1 : 0;
}

// The second line of an observation: which image it was recorded from and where.
void trace_observation_line(const char *image, const char *host)
{
	pthread_mutex_lock(&mu);
	char *o = stpcpy(buf + used, "#observation 1\timage=");
	o = escape(o, image);
	o = stpcpy(o, "\thost=");
	o = escape(o, host);
	*o++ = '\n';
	used = (size_t)(o - buf);
	flush();
	pthread_mutex_unlock(&mu);
}

void trace_header(const char *mode, pid_t root)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	pthread_mutex_lock(&mu);
	used += (size_t)sprintf(buf + used, "#slimts-trace 1 mode=%s pid=%d start=%llu\n", mode, (int)root,
				(unsigned long long)tv.tv_sec * 1000 + (unsigned long long)tv.tv_usec / 1000);
	flush(); // header on disk early so a killed sensor still leaves a readable .tmp
	pthread_mutex_unlock(&mu);
}

static char *escape(char *o, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char c = *p;
		if (c == '\t') {
			*o++ = '\\';
			*o++ = 't';
		} else if (c == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else if (c == '\r') {
			*o++ = '\\';
			*o++ = 'r';
		} else if (c == '\\') {
			*o++ = '\\';
			*o++ = '\\';
		} else if (c < 0x20 || c == 0x7f) {
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		} else {
			*o++ = (char)c;
		}
	}
	return o;
}

static char *put_u(char *o, unsigned long long v)
{
	char t[24];
	int n = 0;
	do
		t[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		*o++ = t[--n];
	return o;
}

void trace_event(pid_t pid, const char *sys, char intent, long result, const char *path, const char *path2)
{
	char eb[16];
	const char *res = result < 0 ? errno_name((int)-result, eb) : "0";
	pthread_mutex_lock(&mu);
	if (observing && observe_seen(intent, res, path, path2)) {
		pthread_mutex_unlock(&mu);
		return;
	}
	if (bytes_out + used + LINE_MAX_ > trace_max - SUMMARY_ROOM) {
		if (observing && !dropped)
			fprintf(stderr, "slimts-sensor: the observation file reached its bound (%llu bytes); later events are counted in dropped=, not written\n",
				trace_max);
		dropped++;
		pthread_mutex_unlock(&mu);
		return;
	}
	char *o = buf + used;
	o = put_u(o, ++seq);
	*o++ = '\t';
	o = put_u(o, (unsigned long long)pid);
	*o++ = '\t';
	o = stpcpy(o, sys);
	*o++ = '\t';
	*o++ = intent;
	*o++ = '\t';
	o = stpcpy(o, res);
	*o++ = '\t';
	o = escape(o, path);
	if (path2) {
		*o++ = '\t';
		o = escape(o, path2);
	}
	*o++ = '\n';
	used = (size_t)(o - buf);
	if (used >= BATCH)
		flush();
	pthread_mutex_unlock(&mu);
}

// A slow trickle of events still reaches the disk within a second, also while the tracer
// sleeps in waitpid, so a SIGKILLed sensor loses at most that.
static void *flusher(void *arg)
{
	(void)arg;
	for (;;) {
		sleep(1);
		trace_flush();
	}
	return NULL;
}

void start_helper_thread(void *(*fn)(void *))
{
	pthread_t t;
	sigset_t all, old;
	sigfillset(&all); // signals stay with the main thread
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&t, NULL, fn, NULL) == 0)
		pthread_detach(t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void trace_start_flusher(void)
{
	start_helper_thread(flusher);
}

// The events so far (seq <= this line's number) came before the app's first answer. In the
// stream, not the summary: a sensor killed later still leaves it in FILE.tmp.
void trace_mark_answered(void)
{
	static int marked;
	pthread_mutex_lock(&mu);
	if (!marked && fd >= 0 && bytes_out + used + 64 <= trace_max - SUMMARY_ROOM) {
		marked = 1;
		used += (size_t)sprintf(buf + used, "#answered %llu\n", seq);
		if (used >= BATCH)
			flush();
	}
	pthread_mutex_unlock(&mu);
}

void trace_listen(unsigned port, const char *addr)
{
	pthread_mutex_lock(&mu);
	if (fd >= 0 && bytes_out + used + 128 <= trace_max - SUMMARY_ROOM) {
		used += (size_t)sprintf(buf + used, "#listen\ttcp\t%u\t%.64s\n", port, addr);
		if (used >= BATCH)
			flush();
	}
	pthread_mutex_unlock(&mu);
}

// A `#resident` or `#mapped` line: a file's byte runs; several lines may name the same file
// (more runs than fit one line, other mappings): readers take the union.
void range_flush(struct range_line *l)
{
	if (!l->n)
		return;
	pthread_mutex_lock(&mu);
	if (fd >= 0 && bytes_out + used + LINE_MAX_ <= trace_max - SUMMARY_ROOM) {
		char *o = stpcpy(stpcpy(buf + used, l->tag), "\t");
		o = escape(o, l->path);
		*o++ = '\t';
		for (int i = 0; i < l->n; i++) {
			if (i)
				*o++ = ' ';
			o = put_u(o, l->runs[2 * i]);
			*o++ = '-';
			o = put_u(o, l->runs[2 * i + 1]);
		}
		*o++ = '\n';
		used = (size_t)(o - buf);
		if (used >= BATCH)
			flush();
	}
	pthread_mutex_unlock(&mu);
	l->n = 0;
}

void range_add(struct range_line *l, unsigned long long at, unsigned long long len)
{
	if (l->n && l->runs[2 * l->n - 1] == at) {
		l->runs[2 * l->n - 1] = at + len;
		return;
	}
	if (l->n == RANGES_PER_LINE)
		range_flush(l);
	l->runs[2 * l->n] = at;
	l->runs[2 * l->n + 1] = at + len;
	l->n++;
}

// Notify mode: how many notifications the sensor answered (what slimts-preload.so saves shows here).
static unsigned long long nnotified;

void trace_note_notification(void)
{
	__atomic_add_fetch(&nnotified, 1, __ATOMIC_RELAXED);
}

void trace_note_process(void)
{
	__atomic_add_fetch(&nproc, 1, __ATOMIC_RELAXED);
}

// --syscalls: the numbers of the syscalls the traced tree made (native ABI), written as one
// `#syscalls` line before the summary. Only the tracer thread sets bits.
#define NSYSBITS 1024
static unsigned char sysbits[NSYSBITS / 8];
static int record_syscalls;

void trace_record_syscalls(int on)
{
	record_syscalls = on;
}

void trace_syscall_seen(long nr)
{
	if (nr >= 0 && nr < NSYSBITS)
		sysbits[nr / 8] |= (unsigned char)(1u << (nr % 8));
}

int trace_finish(int status, const char *mode)
{
	if (fd < 0)
		return -1;
	pthread_mutex_lock(&mu);
	if (record_syscalls) {
		flush(); // room for the whole line (at most NSYSBITS numbers)
		used += (size_t)sprintf(buf + used, "#syscalls");
		for (int nr = 0; nr < NSYSBITS; nr++)
			if (sysbits[nr / 8] & (1u << (nr % 8)))
				used += (size_t)sprintf(buf + used, " %d", nr);
		buf[used++] = '\n';
	}
	if (nnotified)
		used += (size_t)sprintf(buf + used, "#notified %llu\n", nnotified);
	used += (size_t)sprintf(buf + used, "#end events=%llu processes=%llu dropped=%llu exit=%d mode=%s\n", seq,
				nproc, dropped, status, mode);
	flush();
	// No fsync: the rename orders the name after the data for readers on this host, and
	// syncing would add to the app's measured run time.
	int rc = 0;
	close(fd);
	fd = -1;
	if (rename(tmpname, finalname) < 0)
		rc = -1;
	pthread_mutex_unlock(&mu);
	return rc;
}
