// catalog: answers one HTTP request on stdin/stdout (socat runs it for each connection).
// "/" is all the default probes see; the other routes reach what only this binary names:
//   /item?name=N  a file under a directory compiled in as a path (ITEMS)
//   /pack         runs `xz` by name through PATH (execlp) on a fixed text, answers the hex
//   /kind         dlopen()s libmagic by name, which opens its database by its own compiled-in path
#include <ctype.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char ITEMS[] = "/usr/share/catalog/items/";
static const char PAYLOAD[] = "apple pear quince apple pear quince apple pear quince\n";

static void reply(int status, const char *type, const char *body, size_t n) {
  printf("HTTP/1.0 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
         status, status == 200 ? "OK" : "Error", type, n);
  fwrite(body, 1, n, stdout);
  fflush(stdout);
}

static void text(int status, const char *body) { reply(status, "text/plain", body, strlen(body)); }

static void item(const char *query) {
  const char *name = strncmp(query, "name=", 5) == 0 ? query + 5 : "";
  for (const char *c = name; *c; c++) if (!isalnum((unsigned char)*c)) { text(400, "bad name\n"); return; }
  char path[512], buf[4096];
  snprintf(path, sizeof path, "%s%s.txt", ITEMS, name);
  FILE *f = fopen(path, "r");
  if (!f) { text(404, "no such item\n"); return; }
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  reply(200, "text/plain", buf, n);
}

static void pack(void) {
  int in[2], out[2];
  if (pipe(in) || pipe(out)) { text(500, "pipe\n"); return; }
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0); dup2(out[1], 1);
    close(in[1]); close(out[0]);
    execlp("xz", "xz", "-9", "-c", (char *)NULL);
    _exit(127);
  }
  close(in[0]); close(out[1]);
  if (write(in[1], PAYLOAD, sizeof PAYLOAD - 1) < 0) { /* reported by the exit status */ }
  close(in[1]);
  unsigned char buf[4096];
  size_t n = 0;
  ssize_t r;
  while (n < sizeof buf && (r = read(out[0], buf + n, sizeof buf - n)) > 0) n += (size_t)r;
  close(out[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) { text(500, "xz failed\n"); return; }
  char hex[8192 + 2];
  for (size_t i = 0; i < n; i++) sprintf(hex + 2 * i, "%02x", buf[i]);
  strcat(hex, "\n");
  text(200, hex);
}

static void kind(void) {
  void *h = dlopen("libmagic.so.1", RTLD_NOW);
  if (!h) { text(500, "no libmagic\n"); return; }
  void *(*open_)(int) = (void *(*)(int))dlsym(h, "magic_open");
  int (*load)(void *, const char *) = (int (*)(void *, const char *))dlsym(h, "magic_load");
  const char *(*buffer)(void *, const void *, size_t) = (const char *(*)(void *, const void *, size_t))dlsym(h, "magic_buffer");
  if (!open_ || !load || !buffer) { text(500, "libmagic symbols\n"); return; }
  void *m = open_(0);
  if (!m || load(m, NULL) != 0) { text(500, "no magic database\n"); return; }
  static const char script[] = "#!/bin/sh\necho hello\n";
  static const char csv[] = "name,colour,price\napple,red,0.40\npear,green,0.55\n";
  char body[1024], first[512];
  snprintf(first, sizeof first, "%s", buffer(m, script, sizeof script - 1));
  snprintf(body, sizeof body, "%s\n%s\n", first, buffer(m, csv, sizeof csv - 1));
  text(200, body);
}

int main(void) {
  char line[2048], hdr[2048];
  if (!fgets(line, sizeof line, stdin)) return 0;
  while (fgets(hdr, sizeof hdr, stdin) && strcmp(hdr, "\r\n") != 0 && strcmp(hdr, "\n") != 0) {}
  char method[16], target[1024];
  if (sscanf(line, "%15s %1023s", method, target) != 2) { text(400, "bad request\n"); return 0; }
  char *q = strchr(target, '?');
  const char *query = "";
  if (q) { *q = 0; query = q + 1; }
  if (strcmp(target, "/") == 0) reply(200, "text/html", "<html><body><h1>catalog</h1></body></html>\n", 44);
  else if (strcmp(target, "/item") == 0) item(query);
  else if (strcmp(target, "/pack") == 0) pack();
  else if (strcmp(target, "/kind") == 0) kind();
  else text(404, "not found\n");
  return 0;
}
