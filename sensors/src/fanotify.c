// --fanotify: a filesystem (else mount) mark on "/" reports opens and execs of every process
// in the container, also those not descended from the app (docker exec probes,
// healthchecks). Read in a thread so the ptrace loop keeps its blocking waitpid.
#include "sensor.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/fanotify.h>
#include <unistd.h>

static int fan = -1;
static pthread_t thr;
static volatile int stopping;

int fan_setup(void)
{
	fan = fanotify_init(FAN_CLASS_NOTIF | FAN_UNLIMITED_QUEUE | FAN_CLOEXEC | FAN_NONBLOCK,
			    O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	if (fan < 0)
		return -1;
	uint64_t mask = FAN_OPEN | FAN_OPEN_EXEC;
	if (fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, mask, AT_FDCWD, "/") < 0 &&
	    fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_MOUNT, mask, AT_FDCWD, "/") < 0) {
		close(fan);
		fan = -1;
		return -1;
	}
	return 0;
}

// Returns 0 when the queue is empty.
static int drain(pid_t self)
{
	static char buf[64 << 10] __attribute__((aligned(8)));
	ssize_t n = read(fan, buf, sizeof buf);
	if (n <= 0)
		return 0;
	for (struct fanotify_event_metadata *m = (void *)buf; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
		if (m->fd < 0)
			continue;
		if (m->pid != self) {
			char link[64], path[SENSOR_PATH_MAX];
			snprintf(link, sizeof link, "/proc/self/fd/%d", m->fd);
			ssize_t l = readlink(link, path, sizeof path - 1);
			if (l > 0) {
				path[l] = 0;
				int ex = (m->mask & FAN_OPEN_EXEC) != 0;
				trace_event(m->pid, ex ? "fanotify-exec" : "fanotify-open", ex ? 'x' : 'r', 0, path, NULL);
			}
		}
		close(m->fd);
	}
	return 1;
}

static void *loop(void *arg)
{
	pid_t self = getpid();
	(void)arg;
	while (!stopping) {
		struct pollfd p = {fan, POLLIN, 0};
		if (poll(&p, 1, 100) > 0)
			while (drain(self))
				;
	}
	for (int i = 0; i < 64 && drain(self); i++) // events queued before the app exited
		;
	return NULL;
}

int fan_start(void)
{
	sigset_t all, old;
	if (fan < 0)
		return -1;
	// Forwarded signals are handled by the main thread; this one only reads events.
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&thr, NULL, loop, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc == 0 ? 0 : -1;
}

void fan_stop(void)
{
	if (fan < 0)
		return;
	stopping = 1;
	pthread_join(thr, NULL);
	close(fan);
	fan = -1;
}
