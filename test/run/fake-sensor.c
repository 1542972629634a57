/* Stand-in for slimts-sensor in controller tests: same flags, no tracing. Touches the ready
 * file, runs the command as PID 1's child, forwards signals, writes a trivial trace atomically
 * and exits with the app's status. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t child = -1;
static void forward(int sig) { if (child > 0) kill(child, sig); }

static void drop_user(const char *spec) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", spec);
  char *g = strchr(buf, ':');
  if (g) *g++ = 0;
  uid_t uid; gid_t gid = 0;
  char *end;
  long n = strtol(buf, &end, 10);
  if (*buf && !*end) { uid = (uid_t)n; gid = (gid_t)n; }
  else {
    struct passwd *pw = getpwnam(buf);
    if (!pw) { fprintf(stderr, "fake-sensor: no user %s\n", buf); exit(126); }
    uid = pw->pw_uid; gid = pw->pw_gid;
  }
  if (g) {
    n = strtol(g, &end, 10);
    if (*g && !*end) gid = (gid_t)n;
    else { struct group *gr = getgrnam(g); if (gr) gid = gr->gr_gid; }
  }
  setgroups(0, NULL);
  if (setgid(gid) || setuid(uid)) { perror("fake-sensor: setuid"); exit(126); }
}

int main(int argc, char **argv) {
  const char *user = NULL, *ready = NULL, *trace = NULL;
  int append = 0, i = 1;
  for (; i < argc; i++) {
    if (!strcmp(argv[i], "--")) { i++; break; }
    else if (!strcmp(argv[i], "--user") && i + 1 < argc) user = argv[++i];
    else if (!strcmp(argv[i], "--ready") && i + 1 < argc) ready = argv[++i];
    else if (!strcmp(argv[i], "--trace") && i + 1 < argc) trace = argv[++i];
    else if (!strcmp(argv[i], "--append")) append = 1;
    else if (!strcmp(argv[i], "--fanotify")) ;
    else { fprintf(stderr, "fake-sensor: bad flag %s\n", argv[i]); return 2; }
  }
  if (i >= argc || !trace) { fprintf(stderr, "usage: fake-sensor [--user U] [--ready F] --trace F [--append] -- CMD...\n"); return 2; }
  long long start = (long long)time(NULL) * 1000;
  int sigs[] = {SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH};
  for (unsigned k = 0; k < sizeof sigs / sizeof *sigs; k++) signal(sigs[k], forward);
  child = fork();
  if (child == 0) {
    for (unsigned k = 0; k < sizeof sigs / sizeof *sigs; k++) signal(sigs[k], SIG_DFL);
    if (user) drop_user(user);
    execvp(argv[i], argv + i);
    fprintf(stderr, "fake-sensor: exec %s: %s\n", argv[i], strerror(errno));
    _exit(127);
  }
  if (ready) { int fd = open(ready, O_CREAT | O_WRONLY, 0644); if (fd >= 0) close(fd); }
  int status = 0, code = 0;
  for (;;) {
    pid_t p = waitpid(-1, &status, 0);
    if (p < 0 && errno == EINTR) continue;
    if (p < 0) break;
    if (p == child) { code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); if (append) break; }
  }
  char tmp[4096], fin[4096];
  if (append) {
    snprintf(tmp, sizeof tmp, "%s.%d.part", trace, (int)getpid());
    snprintf(fin, sizeof fin, "%s.%d.done", trace, (int)getpid());
  } else {
    snprintf(tmp, sizeof tmp, "%s.tmp", trace);
    snprintf(fin, sizeof fin, "%s", trace);
  }
  FILE *f = fopen(tmp, "w");
  if (f) {
    fprintf(f, "#slimts-trace 1 mode=fake pid=%d start=%lld\n", (int)child, start);
    fprintf(f, "1\t%d\texecve\tx\t0\t%s\n", (int)child, argv[i]);
    fprintf(f, "#end events=1 processes=1 dropped=0 exit=%d mode=fake\n", code);
    fclose(f);
    rename(tmp, fin);
  }
  return code;
}
