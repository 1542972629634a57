// --watch-stdin: the controller holds the container's stdin open (an attach stream) for as
// long as it lives. When that stream closes without the run having ended — the controller was
// SIGKILLed, OOM-killed, its machine lost — nothing would ever stop the app: so the sensor, as
// the container's PID 1, kills every process in it and exits, and the container stops.
// The one thing the controller writes on it is 'a' when the app first answered a probe: the
// trace then marks where start-up ended (the `#answered` line) and, with --resident, what of
// each big file the app read by then (`#resident`, resident.c), for the eStargz prefetch.
#include "sensor.h"
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void *watch(void *arg)
{
	char b[256];
	int answered = 0;
	(void)arg;
	for (;;) {
		ssize_t n = read(0, b, sizeof b);
		if (n > 0 && memchr(b, 'a', (size_t)n) && !answered) {
			answered = 1;
			trace_mark_answered();
			resident_record();
		}
		if (n > 0 || (n < 0 && errno == EINTR))
			continue; // any other byte is ignored
		break;
	}
	static const char msg[] = "slimts-sensor: the controller is gone (stdin closed): ending the container\n";
	if (write(2, msg, sizeof msg - 1) < 0) {
		// stderr gone too: nothing to tell
	}
	// As the container's PID 1: every other process in it. Anywhere else kill(-1) would reach
	// far beyond the app, so only the app: our exit then kills every tracee (PTRACE_O_EXITKILL).
	if (getpid() == 1)
		kill(-1, SIGKILL);
	else if (g_child > 0)
		kill(g_child, SIGKILL);
	_exit(137);
}

void watch_stdin(void)
{
	start_helper_thread(watch);
}
