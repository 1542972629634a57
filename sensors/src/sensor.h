// Shared declarations of the slimts sensor (static C, x86_64/arm64 Linux).
#ifndef SLIMTS_SENSOR_H
#define SLIMTS_SENSOR_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

#define SENSOR_PATH_MAX 4096

// Tracing modes, the ptrace ones best first; the child reports which one it reached. The
// notify modes (--observe only) need no ptrace at all.
enum mode { MODE_SECCOMP = 0, MODE_NNP = 1, MODE_PTRACE = 2, MODE_NONE = 3, MODE_NOTIFY = 4, MODE_NOTIFY_NNP = 5 };
const char *mode_name(int mode, int fanotify, char *buf, size_t size);

// How the sensor decodes one path-naming syscall (arg indexes, -1 = none).
enum kind { K_PLAIN, K_OPEN, K_OPENAT2, K_SYMLINK, K_SOCK, K_LISTEN };
struct sysdesc {
	int nr;
	const char *name;
	char intent;      // r w x s d; open* decide from flags
	signed char dfd;  // dirfd arg (AT_FDCWD handling), or -1
	signed char path; // path arg; -1 with dfd >= 0 means "the fd itself" (fchdir)
	signed char dfd2, path2;
	signed char flags; // open flags arg (K_OPEN)
	unsigned char kind;
};
const struct sysdesc *sysdesc_for(long nr);

// decode.c: one path syscall's arguments, read at its entry. Returns 1 when there is an event,
// 0 when not, -1 when the process's memory is closed to us (not dumpable, no CAP_SYS_PTRACE).
struct call {
	const struct sysdesc *d;
	char intent;
	int has2;
	int fd; // listen(2)'s socket
	char path[SENSOR_PATH_MAX], path2[SENSOR_PATH_MAX];
};
int decode_call(pid_t pid, long nr, const uint64_t *a, struct call *c);
// exec.c: `interp` events of an exec of path: the #! chain and PT_INTERP (of /proc/PID/exe
// after the exec when proc_exe, else of the chain's last file, before it).
void exec_extras(pid_t pid, const char *path, int proc_exe);
extern const struct sysdesc sysdescs[];
extern const int nsysdescs;

// filter.c: install the seccomp-bpf filter in the child; returns the mode reached.
int filter_install(int want, int all);
int filter_install_listener(int *nnp); // notify mode: the listener fd, or -1
// notify.c: --observe's seccomp user-notification mode (no ptrace).
int notify_child(int sock);
int notify_receive(int sock);
int notify_run(pid_t root, int listener);

// paths.c: tracee memory and path resolution.
ssize_t read_mem(pid_t pid, uint64_t addr, void *buf, size_t len);
ssize_t read_str(pid_t pid, uint64_t addr, char *buf, size_t size);
int resolve_at(pid_t pid, int dfd, const char *path, char *out, size_t size);
void normalize(char *path);
int mem_denied(pid_t pid, uint64_t addr);
void paths_notify_mode(void); // refused processes are read through procmem.c, not PEEKDATA
// procmem.c (notify mode): /proc/PID/mem opened before a process closes its memory to us.
void procmem_keep(pid_t tid);
void procmem_exec(pid_t tid);
void procmem_begin(pid_t tid); // a notification's reads begin / end
void procmem_end(void);
pid_t tgid_of(pid_t tid); // from /proc/TID/status, -1 when gone
ssize_t procmem_read(pid_t tid, uint64_t addr, void *buf, size_t len);

// writer.c: the trace file.
int trace_open(const char *file, int append);
void trace_header(const char *mode, pid_t root);
int trace_open_observation(const char *file, unsigned long long max);
void trace_observation_line(const char *image, const char *host);
// observe.c (--observe: `slimts instrument`'s images)
int observe_seen(char intent, const char *result, const char *path, const char *path2);
int observe_name(const char *dir, char *out, size_t size, char *host, size_t hsize);
int app_handles(pid_t pid, int sig);
int observe_known_ok(char intent, const char *path, const char *path2);
int observe_has(char intent, const char *result, const char *path, const char *path2);
extern int g_observing;
void observe_unreadable(pid_t pid);
void trace_event(pid_t pid, const char *sys, char intent, long result, const char *path, const char *path2);
void trace_note_process(void);
void trace_note_notification(void); // notify mode: `#notified <n>` before the summary
void trace_mark_answered(void); // the app's first probe answer: `#answered <seq>`, once
void trace_listen(unsigned port, const char *addr); // `#listen tcp <port> <addr>`

// listen.c: a TCP port the app listens on, to the trace and the --ports-out file.
void listen_out(const char *file);
void listen_record(pid_t pid, int fd);
// A `#resident`/`#mapped` line in the making: pages added in ascending order join into runs, a
// full line is written and the next one begun; range_flush writes what is left.
#define RANGES_PER_LINE 256
struct range_line {
	const char *tag, *path;
	int n;
	unsigned long long runs[2 * RANGES_PER_LINE];
};
void range_add(struct range_line *l, unsigned long long at, unsigned long long len);
void range_flush(struct range_line *l);

// resident.c (--resident): big files' page cache dropped at first open, what is cached again
// at the first answer written as `#resident` lines.
void resident_enable(void);
void resident_watch(const char *path); // the tracer: a file the app opened for reading or exec'd
void resident_record(void);
// pages.c: at the first answer, the file pages the tracees have mapped (`#mapped` lines).
void pages_record(void);
void trace_syscall_seen(long nr); // --syscalls: a syscall number the traced tree made
void trace_record_syscalls(int on);
void trace_flush(void);
/* A detached thread that never takes the process's signals (they stay with the main thread). */
void start_helper_thread(void *(*fn)(void *));
void trace_start_flusher(void);
int trace_finish(int status, const char *mode);
const char *errno_name(int e, char *buf);

// user.c: --user USER[:GROUP] from the image's /etc/passwd and /etc/group, no NSS.
#define MAX_GROUPS 64
struct user_spec {
	uid_t uid;
	gid_t gid;
	gid_t groups[MAX_GROUPS];
	int ngroups;
	char name[256];
	char home[SENSOR_PATH_MAX];
};
int user_lookup(const char *spec, struct user_spec *u);
int user_apply(const struct user_spec *u);

// fanotify.c: whole-container opens/execs, read in a thread.
int fan_setup(void);
int fan_start(void);
void fan_stop(void);

// privs.c: the app's capabilities and the sensor's protection from it.
int privs_parse_mask(const char *s, uint64_t *out);
int privs_hide_dir(const char *dir);
int privs_apply(uint64_t drop, const struct user_spec *u);
void privs_guard_self(void);
void privs_record(pid_t pid, const char *file, int hidden);

// liveness.c: --watch-stdin, the container ends when the controller is gone.
void watch_stdin(void);

// tracer.c: the ptrace loop; returns the root's status as a shell reports it.
struct tracer_opts {
	int mode;
	const char *ready;
	const char *caps_out; // where the app's capability sets are recorded at its first exec
	int hidden;           // the trace dir is covered in the app's mount namespace
	int syscalls;         // --syscalls: record every syscall number the tree makes
};
int trace_loop(pid_t root, const struct tracer_opts *o);

extern volatile pid_t g_child; // the app, target of forwarded signals
pid_t wait_any(int *st, int flags); // waitpid(-1) that flushes after a signal and retries
extern volatile int g_flush;  // a signal arrived: flush the trace buffer
void die(const char *fmt, ...);
void warnx_(const char *fmt, ...);

#endif
