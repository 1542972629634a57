// slimts-walk: the engine-side reader. Runs as the entrypoint of a created (never traced)
// container of the image and sees the image's own root filesystem: it detaches into a private
// mount namespace and binds "/" without its submounts, so /etc/hosts, /etc/resolv.conf,
// /proc, /dev and volumes mounted over the image are not what it reads.
//
//   slimts-walk walk   stat-only walk of the whole tree to stdout, then serve reads on stdin
//
// Where the engine forbids mounts (AppArmor's docker-default profile) it walks the live root
// instead, leaving out whatever is mounted over it (another device), and says so first.
//   slimts-walk serve  serve reads on stdin only (for an exec'd second reader)
//
// Output (little endian). Records: u32 length of what follows, u8 kind, payload.
//   'E' entry: u8 type (f d l c b p), u16 0, u32 st_mode, u32 uid, u32 gid, i64 mtime s,
//       u32 mtime ns, u64 size, u64 ino, u32 nlink, u32 rdev major, u32 rdev minor,
//       u32 path length, u32 link length, u32 capability length, path, link, capability
//   'L' the walk is of the live root: mounted paths (volumes, /proc...) are left out
//   'Z' end of the walk: u64 entries
//   'X' fatal error: message
// Reads: request u32 path length, u64 offset, u64 length, path; answer i64 n (n < 0: -errno)
// then exactly n bytes of the file at offset. Requests may be pipelined; EOF on stdin ends it.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define WALK_DIR "/.slimts-walk"
#define ROOT WALK_DIR "/root"
#define PATH_MAX_LEN 8192

static char out[1 << 20];
static size_t outn;

static void flush_out(void) {
  size_t off = 0;
  while (off < outn) {
    ssize_t w = write(1, out + off, outn - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      _exit(3); // the reader went away
    }
    off += (size_t)w;
  }
  outn = 0;
}

static void put(const void *p, size_t n) {
  if (outn + n > sizeof out) flush_out();
  if (n > sizeof out) {
    // bigger than the buffer: straight through
    for (const char *c = p; n;) {
      ssize_t w = write(1, c, n);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) _exit(3);
      c += w;
      n -= (size_t)w;
    }
    return;
  }
  memcpy(out + outn, p, n);
  outn += n;
}

static void put_u8(uint8_t v) { put(&v, 1); }
static void put_u16(uint16_t v) { put(&v, 2); }
static void put_u32(uint32_t v) { put(&v, 4); }
static void put_u64(uint64_t v) { put(&v, 8); }

static void fatal(const char *what, int err) {
  char msg[512];
  int n = snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  if (n < 0) n = 0;
  if ((size_t)n >= sizeof msg) n = sizeof msg - 1;
  put_u32(1 + (uint32_t)n);
  put_u8('X');
  put(msg, (size_t)n);
  flush_out();
  _exit(1);
}

/** Where the image's root is read: ROOT (a bind of "/" without submounts) or the live "/". */
static const char *root = ROOT;
static size_t root_len = sizeof ROOT - 1;
static int live;
static dev_t root_dev;

/** The image's root without anything mounted over it, at ROOT; else the live root. */
static void image_view(void) {
  if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
      mount("/", ROOT, NULL, MS_BIND, NULL) < 0) {
    root = "";
    root_len = 0;
    live = 1;
  }
}

static char type_of(mode_t m) {
  if (S_ISREG(m)) return 'f';
  if (S_ISDIR(m)) return 'd';
  if (S_ISLNK(m)) return 'l';
  if (S_ISCHR(m)) return 'c';
  if (S_ISBLK(m)) return 'b';
  if (S_ISFIFO(m)) return 'p';
  return 0; // sockets: never in a layer
}

static uint64_t count;
static char full[PATH_MAX_LEN + sizeof ROOT];

static void emit(const char *path, size_t plen, const struct stat *st, int dirfd, const char *name) {
  char t = type_of(st->st_mode);
  if (!t) return;
  char link[PATH_MAX_LEN];
  ssize_t llen = 0;
  if (t == 'l') {
    llen = readlinkat(dirfd, name, link, sizeof link);
    if (llen < 0) llen = 0;
  }
  char cap[256];
  ssize_t clen = 0;
  if (t == 'f') {
    // security.capability is the one xattr the engine keeps in layers
    memcpy(full, root, root_len);
    memcpy(full + root_len, path, plen + 1);
    clen = lgetxattr(full, "security.capability", cap, sizeof cap);
    if (clen < 0) clen = 0;
  }
  uint32_t len = 1 + 1 + 2 + 4 * 3 + 8 + 4 + 8 + 8 + 4 * 3 + 4 * 3 + (uint32_t)plen + (uint32_t)llen + (uint32_t)clen;
  put_u32(len);
  put_u8('E');
  put_u8((uint8_t)t);
  put_u16(0);
  put_u32(st->st_mode);
  put_u32(st->st_uid);
  put_u32(st->st_gid);
  put_u64((uint64_t)st->st_mtim.tv_sec);
  put_u32((uint32_t)st->st_mtim.tv_nsec);
  put_u64(t == 'f' ? (uint64_t)st->st_size : 0);
  put_u64((uint64_t)st->st_ino);
  put_u32((uint32_t)st->st_nlink);
  put_u32(t == 'c' || t == 'b' ? major(st->st_rdev) : 0);
  put_u32(t == 'c' || t == 'b' ? minor(st->st_rdev) : 0);
  put_u32((uint32_t)plen);
  put_u32((uint32_t)llen);
  put_u32((uint32_t)clen);
  put(path, plen);
  put(link, (size_t)llen);
  put(cap, (size_t)clen);
  count++;
}

/** Walks directory fd (image path `path`, `plen` bytes, "" for the root). Closes fd. */
static void walk_dir(int fd, char *path, size_t plen) {
  DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return;
  }
  struct dirent *de;
  while ((de = readdir(d))) {
    const char *n = de->d_name;
    if (n[0] == '.' && (n[1] == 0 || (n[1] == '.' && n[2] == 0))) continue;
    size_t nlen = strlen(n);
    if (plen + 1 + nlen >= PATH_MAX_LEN) continue;
    path[plen] = '/';
    memcpy(path + plen + 1, n, nlen + 1);
    size_t clen = plen + 1 + nlen;
    if (plen == 0 && strcmp(n, WALK_DIR + 1) == 0) continue; // ourselves
    struct stat st;
    if (fstatat(fd, n, &st, AT_SYMLINK_NOFOLLOW) < 0) continue;
    if (live && st.st_dev != root_dev) continue; // mounted over the image
    emit(path, clen, &st, fd, n);
    if (S_ISDIR(st.st_mode)) {
      int sub = openat(fd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub >= 0) walk_dir(sub, path, clen);
    }
  }
  path[plen] = 0;
  closedir(d);
}

static void walk(void) {
  static char path[PATH_MAX_LEN];
  struct stat st;
  const char *top = live ? "/" : ROOT;
  if (lstat(top, &st) < 0) fatal("stat root", errno);
  root_dev = st.st_dev;
  int dfd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) fatal("open root", errno);
  if (live) {
    put_u32(1);
    put_u8('L');
  }
  path[0] = '/';
  path[1] = 0;
  emit(path, 1, &st, dfd, ".");
  path[0] = 0;
  walk_dir(dfd, path, 0);
  put_u32(1 + 8);
  put_u8('Z');
  put_u64(count);
  flush_out();
}

static int read_full(int fd, void *buf, size_t n) {
  char *p = buf;
  while (n) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

static void serve(void) {
  static char buf[1 << 18];
  for (;;) {
    uint32_t plen;
    uint64_t off, len;
    if (read_full(0, &plen, 4) || read_full(0, &off, 8) || read_full(0, &len, 8)) break;
    if (plen == 0 || plen >= PATH_MAX_LEN) break;
    memcpy(full, root, root_len);
    if (read_full(0, full + root_len, plen)) break;
    full[root_len + plen] = 0;
    int fd = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    int64_t n;
    if (fd < 0) n = -errno;
    else if (fstat(fd, &st) < 0) n = -errno;
    else if (!S_ISREG(st.st_mode)) n = -EINVAL;
    else n = off >= (uint64_t)st.st_size ? 0 : (int64_t)((uint64_t)st.st_size - off < len ? (uint64_t)st.st_size - off : len);
    put_u64((uint64_t)n);
    uint64_t left = n > 0 ? (uint64_t)n : 0;
    uint64_t pos = off;
    while (left) {
      size_t want = left < sizeof buf ? (size_t)left : sizeof buf;
      ssize_t r = pread(fd, buf, want, (off_t)pos);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        // the image's files do not change; if one did shrink, keep the stream in step
        memset(buf, 0, want);
        r = (ssize_t)want;
      }
      put(buf, (size_t)r);
      left -= (uint64_t)r;
      pos += (uint64_t)r;
    }
    if (fd >= 0) close(fd);
    flush_out();
  }
  flush_out();
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "walk";
  image_view();
  if (strcmp(mode, "walk") == 0) walk();
  else if (strcmp(mode, "serve") != 0) fatal("usage: slimts-walk walk|serve", EINVAL);
  serve();
  return 0;
}
