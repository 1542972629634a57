// slimts-sensor [options] --trace FILE -- CMD [ARGS...]
// Runs CMD as its traced child, acts as PID 1 (signal forwarding, reaping, exit status) and
// writes every path the process tree touches to FILE (see src/trace/FORMAT.md).
#include "sensor.h"
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PTRACE_SEIZE
#define PTRACE_SEIZE 0x4206
#endif
#ifndef PTRACE_O_EXITKILL
#define PTRACE_O_EXITKILL 0x100000
#endif
#ifndef PTRACE_O_TRACESECCOMP
#define PTRACE_O_TRACESECCOMP 0x80
#endif

volatile pid_t g_child;
volatile int g_flush;
static int g_observe; // --observe: keep PID 1's signal rules for the app (observe.c)

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("slimts-sensor: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

// PID 1's wait: the trace is flushed when a signal arrived (which interrupts the wait).
pid_t wait_any(int *st, int flags)
{
	for (;;) {
		pid_t pid = waitpid(-1, st, flags);
		if (g_flush) {
			g_flush = 0;
			trace_flush();
		}
		if (pid >= 0 || errno != EINTR)
			return pid;
	}
}

const char *mode_name(int mode, int fan, char *buf, size_t size)
{
	static const char *const names[] = {"ptrace+seccomp", "ptrace+seccomp-nnp", "ptrace", "none", "seccomp-notify",
					    "seccomp-notify-nnp"};
	snprintf(buf, size, "%s%s", names[mode], fan ? "+fanotify" : "");
	return buf;
}

static void usage(int rc)
{
	fputs("usage: slimts-sensor [--user U[:G]] [--ready FILE] [--fanotify] [--append] [--syscalls] [--resident]\n"
	      "                     [--mode seccomp|nnp|ptrace|notify] [--cpus one|all] [--app-drop-caps HEX]\n"
	      "                     [--hide DIR] [--caps-out FILE] [--ports-out FILE] [--watch-stdin] --trace FILE -- CMD [ARGS...]\n"
	      "       slimts-sensor --observe DIR [--image DIGEST] [--max-bytes N] [--preload LIB] [--mode ...] [--cpus one|all] -- CMD [ARGS...]\n",
	      rc ? stderr : stdout);
	exit(rc);
}

static int tty_signal(int sig)
{
	return sig == SIGINT || sig == SIGQUIT || sig == SIGTSTP || sig == SIGWINCH;
}

// Forward to the app. kill() is async-signal-safe, so there is no window in which a signal
// waits for the loop. A terminal's ^C already reached the app (same process group).
static void on_signal(int sig, siginfo_t *si, void *uc)
{
	pid_t c = g_child;
	int saved = errno;
	(void)uc;
	g_flush = 1;
	if (c > 0 && !(si && si->si_code == SI_KERNEL && tty_signal(sig) && getpgid(c) == getpgrp()) &&
	    !(g_observe && getpid() == 1 && !app_handles(c, sig)))
		kill(c, sig);
	errno = saved;
}

static int forwarded(int sig)
{
	switch (sig) {
	case SIGKILL: case SIGSTOP: case SIGCHLD: case SIGSEGV: case SIGBUS: case SIGILL:
	case SIGFPE: case SIGABRT: case SIGSYS: case SIGTRAP: case SIGPIPE:
		return 0;
	}
	return 1;
}

static unsigned char ignored[65]; // dispositions the sensor inherited as SIG_IGN

// child = 0: install the forwarding handlers; child = 1: give the app the dispositions the
// sensor itself was started with (SIG_IGN stays ignored across exec, as without the sensor).
static void set_signals(int child)
{
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	for (int s = 1; s < 65; s++) {
		if (!forwarded(s) && s != SIGPIPE)
			continue;
		if (!child && sigaction(s, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			ignored[s] = 1;
		if (child || s == SIGPIPE) {
			sa.sa_handler = child && !ignored[s] ? SIG_DFL : SIG_IGN;
			sa.sa_flags = 0;
		} else {
			sa.sa_sigaction = on_signal;
			sa.sa_flags = SA_SIGINFO; // no SA_RESTART: waitpid returns and the loop flushes
		}
		sigaction(s, &sa, NULL); // musl-reserved RT signals fail: fine
	}
}

// Keep only what tracing needs once the child is forked (it keeps the full set). Without
// CAP_SYS_PTRACE, /proc/PID/{cwd,fd} and process_vm_readv need our capabilities to stay a
// superset of the app's, so then nothing is dropped.
static void drop_caps(void)
{
	struct { uint32_t version; int pid; } hdr = {0x20080522, 0};
	struct { uint32_t eff, perm, inh; } data[2];
	uint32_t keep = 1u << 1 | 1u << 2 | 1u << 5 | 1u << 19; // DAC_OVERRIDE, DAC_READ_SEARCH, KILL, SYS_PTRACE
	if (geteuid() != 0 || syscall(SYS_capget, &hdr, data) < 0 || !(data[0].eff & 1u << 19))
		return;
	data[0].eff &= keep;
	data[0].perm &= keep;
	data[0].inh = 0;
	data[1].eff = data[1].perm = data[1].inh = 0;
	syscall(SYS_capset, &hdr, data);
}

/*
 * Every ptrace stop wakes the tracer. On another CPU that wakeup is an inter-processor
 * interrupt, which under a hypervisor is a VM exit and costs more than the rest of the stop;
 * with the tracer and the traced tree on one CPU it is a local context switch (python's
 * import-heavy start here: 2.1x native -> 1.2x). Only scheduling narrows: /proc and sysconf
 * still show every CPU. Children inherit the mask.
 */
static void pin_one_cpu(void)
{
	cpu_set_t allowed, one;
	if (sched_getaffinity(0, sizeof allowed, &allowed) < 0 || CPU_COUNT(&allowed) < 2)
		return;
	int cpu = sched_getcpu();
	if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &allowed))
		for (cpu = 0; cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &allowed); cpu++)
			;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	sched_setaffinity(0, sizeof one, &one);
}

static int want_mode(const char *s)
{
	if (!strcmp(s, "seccomp"))
		return MODE_SECCOMP;
	if (!strcmp(s, "nnp"))
		return MODE_NNP;
	if (!strcmp(s, "ptrace"))
		return MODE_PTRACE;
	if (!strcmp(s, "notify"))
		return MODE_NOTIFY;
	die("unknown --mode %s", s);
	return 0;
}

// How the child becomes the app: what it drops, hides and reads.
struct child_setup {
	uint64_t drop;          // capabilities the app must not have (the sensor's extras)
	const char *hide;       // the sensor's dir, covered in the app's mount namespace
	int null_stdin;         // our stdin is the controller's liveness channel, not the app's
	int syscalls;           // --syscalls: the filter traps every syscall, not only the path ones
	struct user_spec *user; // --user
	const char *preload;    // --observe --preload: LD_PRELOAD=<this> in notify mode (preload.c)
};

/*
 * Notify mode: the app loads slimts-preload.so (sensors/preload), which sends a path call the
 * sensor was already told about around the notification. After any LD_PRELOAD of the app's
 * own, so its wrappers still come first. Only when the app's user can read it: the loader
 * would print an error for a missing one, and the app must run as without us. Built before
 * the fork (static buffer); the child only hands it to putenv.
 */
static char preload_env[SENSOR_PATH_MAX + 4096];

static void preload_prepare(const char *lib)
{
	const char *cur = getenv("LD_PRELOAD");
	if (cur && *cur)
		snprintf(preload_env, sizeof preload_env, "LD_PRELOAD=%s:%s", cur, lib);
	else
		snprintf(preload_env, sizeof preload_env, "LD_PRELOAD=%s", lib);
}

static void preload_for_app(const char *lib)
{
#if defined(__x86_64__)
	if (lib && preload_env[0] && access(lib, R_OK) == 0)
		putenv(preload_env);
#else
	(void)lib;
#endif
}

static void run_child(char **argv, int syncfd, int repfd, int sock, const struct child_setup *cs)
{
	char c = 'n', rep[2];
	int nnp_set = 0;
	set_signals(1);
	if (read(syncfd, &c, 1) != 1)
		_exit(127);
	if (c == 'u') { // --observe: user notification first, no tracer
		int mode = notify_child(sock);
		rep[0] = mode < 0 ? 'f' : (char)('0' + mode);
		rep[1] = 'v';
		if (write(repfd, rep, 2) != 2)
			_exit(127);
		if (mode >= 0) {
			close(repfd);
			close(syncfd);
			preload_for_app(cs->preload);
			execvp(argv[0], argv);
			fprintf(stderr, "slimts-sensor: %s: %s\n", argv[0], strerror(errno));
			_exit(errno == ENOENT ? 127 : 126);
		}
		nnp_set = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1; // the attempt may have set it
		if (read(syncfd, &c, 1) != 1) // refused: the sensor tries ptrace
			_exit(127);
	}
	close(sock);
	if (cs->null_stdin) { // as docker run without -i: /dev/null
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || dup2(fd, 0) < 0)
			close(0);
		if (fd > 0)
			close(fd);
	}
	// Before the filter: these mounts are no events of the app.
	int hidden = cs->hide && privs_hide_dir(cs->hide) == 0, hide_err = errno;
	int want = c - '0';
	if (nnp_set && want < MODE_NNP)
		want = MODE_NNP;
	int mode = c == 'n' ? MODE_NONE : filter_install(want, cs->syscalls);
	rep[0] = (char)('0' + mode);
	rep[1] = hidden ? 'h' : 'v';
	if (write(repfd, rep, 2) != 2)
		_exit(127);
	close(repfd);
	close(syncfd);
	if (cs->hide && !hidden)
		fprintf(stderr, "slimts-sensor: cannot hide %s from the app (%s)\n", cs->hide, strerror(hide_err));
	if (privs_apply(cs->drop, cs->user) < 0) {
		fprintf(stderr, "slimts-sensor: cannot set the app's user or capabilities: %s\n", strerror(errno));
		_exit(126);
	}
	if (mode != MODE_NONE)
		raise(SIGSTOP); // lets the tracer resume us with the right ptrace op
	execvp(argv[0], argv);
	fprintf(stderr, "slimts-sensor: %s: %s\n", argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

// The child's two bytes: the mode it reached (or 'f': user notification refused) and 'h'
// when the sensor's dir is hidden from it.
static int read_report(int fd, char rep[2])
{
	size_t got = 0;
	while (got < 2) {
		ssize_t n = read(fd, rep + got, 2 - got);
		if (n < 0 && errno == EINTR) // forwarded signals interrupt
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

// The ptrace modes: seize the child, tell it the mode to try and read what it reached.
static void start_ptrace(pid_t child, int syncfd, int repfd, int mode, const char *obsfile, int notify_tried, char rep[2])
{
	long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
		    PTRACE_O_TRACEEXEC | PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL;
	char c = (char)('0' + mode);
	if (ptrace(PTRACE_SEIZE, child, 0, (void *)opts) < 0) {
		if (obsfile)
			fprintf(stderr, "slimts-sensor: cannot trace (%s): the runtime forbids ptrace%s here; the app runs "
					"untraced and %s records nothing\n", strerror(errno),
					notify_tried ? " and seccomp user notification" : "", obsfile);
		else
			fprintf(stderr, "slimts-sensor: cannot trace (%s): needs CAP_SYS_PTRACE; running untraced\n",
				strerror(errno));
		c = 'n';
	}
	if (write(syncfd, &c, 1) != 1 || read_report(repfd, rep) < 0)
		rep[0] = '0' + MODE_NONE; // the child died before exec
}

int main(int argc, char **argv)
{
	const char *trace = NULL, *user = NULL;
	struct tracer_opts o = {MODE_SECCOMP, NULL, NULL, 0, 0};
	struct child_setup cs = {0, NULL, 0, 0, NULL, NULL};
	const char *observe = NULL, *image = "";
	unsigned long long max_bytes = 0;
	int append = 0, fan = 0, pin = -1, mode_forced = 0, i;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (!strcmp(a, "--trace") && i + 1 < argc) {
			trace = argv[++i];
		} else if (!strcmp(a, "--observe") && i + 1 < argc) {
			observe = argv[++i];
		} else if (!strcmp(a, "--image") && i + 1 < argc) {
			image = argv[++i];
		} else if (!strcmp(a, "--max-bytes") && i + 1 < argc) {
			max_bytes = strtoull(argv[++i], NULL, 10);
		} else if (!strcmp(a, "--user") && i + 1 < argc) {
			user = argv[++i];
		} else if (!strcmp(a, "--ready") && i + 1 < argc) {
			o.ready = argv[++i];
		} else if (!strcmp(a, "--mode") && i + 1 < argc) {
			o.mode = want_mode(argv[++i]);
			mode_forced = 1;
		} else if (!strcmp(a, "--cpus") && i + 1 < argc) {
			a = argv[++i];
			if (strcmp(a, "one") && strcmp(a, "all"))
				die("--cpus wants one or all, got %s", a);
			pin = !strcmp(a, "one");
		} else if (!strcmp(a, "--app-drop-caps") && i + 1 < argc) {
			if (privs_parse_mask(argv[++i], &cs.drop) < 0)
				die("--app-drop-caps wants a hex mask, got %s", argv[i]);
		} else if (!strcmp(a, "--preload") && i + 1 < argc) {
			cs.preload = argv[++i];
		} else if (!strcmp(a, "--hide") && i + 1 < argc) {
			cs.hide = argv[++i];
		} else if (!strcmp(a, "--ports-out") && i + 1 < argc) {
			listen_out(argv[++i]);
		} else if (!strcmp(a, "--caps-out") && i + 1 < argc) {
			o.caps_out = argv[++i];
		} else if (!strcmp(a, "--watch-stdin")) {
			cs.null_stdin = 1;
		} else if (!strcmp(a, "--resident")) {
			resident_enable();
		} else if (!strcmp(a, "--append")) {
			append = 1;
		} else if (!strcmp(a, "--syscalls")) {
			o.syscalls = cs.syscalls = 1;
		} else if (!strcmp(a, "--fanotify")) {
			fan = 1;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(0);
		} else if (a[0] == '-') {
			usage(2);
		} else {
			break;
		}
	}
	if ((!trace == !observe) || i >= argc)
		usage(2);
	char **cmd = argv + i;
	char obsfile[SENSOR_PATH_MAX], host[256];
	if (observe) {
		// The app must run as it would without us: the user's dir wins, and a dir we cannot
		// write to costs one line and the observation, never the app.
		const char *env = getenv("SLIMTS_OBSERVATIONS");
		if (env && env[0])
			observe = env;
		g_observe = g_observing = 1;
		if (pin < 0)
			pin = 0; // the app sees every CPU it would see (worker counts follow nproc)
		if (observe_name(observe, obsfile, sizeof obsfile, host, sizeof host) < 0 ||
		    trace_open_observation(obsfile, max_bytes) < 0) {
			fprintf(stderr, "slimts-sensor: not recording observations: %s: %s (mount a writable volume there, "
					"or set SLIMTS_OBSERVATIONS)\n", observe, strerror(errno));
			execvp(cmd[0], cmd);
			fprintf(stderr, "slimts-sensor: %s: %s\n", cmd[0], strerror(errno));
			return errno == ENOENT ? 127 : 126;
		}
		trace = obsfile;
	}
	if (pin < 0)
		pin = 1;
	// --observe: seccomp user notification unless a ptrace mode is asked for (tests)
	if (o.mode == MODE_NOTIFY && !observe)
		die("--mode notify needs --observe");
	int try_notify = observe && (!mode_forced || o.mode == MODE_NOTIFY);
	int want_ptrace = o.mode == MODE_NOTIFY ? MODE_SECCOMP : o.mode;

	struct user_spec us;
	if (user) {
		if (user_lookup(user, &us) < 0)
			return 2;
		cs.user = &us;
	}
	if (!observe && trace_open(trace, append) < 0)
		die("cannot create trace %s: %s", trace, strerror(errno));
	if (fan && fan_setup() < 0) {
		fprintf(stderr, "slimts-sensor: fanotify unavailable (%s), continuing without it\n", strerror(errno));
		fan = 0;
	}
	set_signals(0);
	if (pin)
		pin_one_cpu();

	if (observe && cs.preload)
		preload_prepare(cs.preload);
	int syncp[2], repp[2], sockp[2];
	if (pipe2(syncp, O_CLOEXEC) < 0 || pipe2(repp, O_CLOEXEC) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sockp) < 0)
		die("pipe: %s", strerror(errno));
	pid_t child = fork();
	if (child < 0)
		die("fork: %s", strerror(errno));
	if (child == 0) {
		close(syncp[1]);
		close(repp[0]);
		close(sockp[0]);
		run_child(cmd, syncp[0], repp[1], sockp[1], &cs);
	}
	g_child = child;
	close(syncp[0]);
	close(repp[1]);
	close(sockp[1]);
	char rep[2] = {'0' + MODE_NONE, 'v'}, mb[64];
	int listener = -1;
	if (try_notify && write(syncp[1], "u", 1) == 1 && read_report(repp[0], rep) == 0 && rep[0] != 'f') {
		listener = rep[0] - '0' == MODE_NOTIFY || rep[0] - '0' == MODE_NOTIFY_NNP ? notify_receive(sockp[0]) : -1;
		if (listener < 0)
			rep[0] = '0' + MODE_NONE; // the child died, or sent no listener: it runs untraced
	}
	close(sockp[0]);
	if (!try_notify || rep[0] == 'f') {
		o.mode = want_ptrace;
		start_ptrace(child, syncp[1], repp[0], o.mode, observe ? obsfile : NULL, try_notify, rep);
	}
	close(syncp[1]);
	close(repp[0]);
	o.mode = rep[0] - '0';
	o.hidden = rep[1] == 'h';
	mode_name(o.mode, fan, mb, sizeof mb);
	if (o.mode != MODE_SECCOMP && !(observe && (o.mode == MODE_NNP || o.mode == MODE_NONE || listener >= 0)))
		fprintf(stderr, "slimts-sensor: tracing in mode=%s%s\n", mb,
			o.mode == MODE_NNP ? " (no CAP_SYS_ADMIN: setuid/file caps do not elevate)"
			: o.mode == MODE_PTRACE ? " (no seccomp filter: slower)" : "");
	trace_header(mb, child);
	if (observe)
		trace_observation_line(image, host);
	trace_record_syscalls(o.syscalls);
	if (o.mode == MODE_NONE && o.ready) { // no exec event will come
		int rfd = open(o.ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (rfd >= 0)
			close(rfd);
	}
	drop_caps();
	// Not dumpable: the app (same uid) can then neither ptrace us nor reach our memory, fds or
	// /proc/1/root. Only now: the child inherited dumpability at fork, and PTRACE_SEIZE of a
	// non-dumpable child would need CAP_SYS_PTRACE, which the nnp fallback runs without.
	privs_guard_self();
	if (cs.null_stdin)
		watch_stdin();
	trace_start_flusher();
	if (fan)
		fan_start();
	int status = listener >= 0 ? notify_run(child, listener) : trace_loop(child, &o);
	fan_stop();
	if (trace_finish(status, mb) < 0)
		fprintf(stderr, "slimts-sensor: cannot finish trace %s: %s\n", trace, strerror(errno));
	return status;
}
