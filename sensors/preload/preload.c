/*
 * slimts-preload.so: loaded into the observed app (LD_PRELOAD, set by `slimts-sensor
 * --observe --preload`, seccomp user-notification mode only). Every path syscall is a
 * round trip to the sensor (notify.c): about 10 us, most of a static file server's time per
 * request. The sensor writes each distinct access once, so a call identical to one it was
 * already told about (same syscall, flags and absolute path) tells it nothing. This library
 * wraps the libc functions behind those calls: the first of each kind goes out through its own
 * syscall instruction (notified, recorded as always), and a repeat goes through the fixed
 * trampoline page the observe filter lets run free (trampoline.h).
 *
 * Freestanding (no libc of its own): it loads into glibc and musl programs alike and needs
 * only __errno_location, which both export. x86-64 only; elsewhere the sensor does not
 * preload it. Relative paths, other *at() flags and everything not wrapped are notified as
 * before. Nothing here can change what a call returns: the same syscall runs either way.
 */
#include "../src/trampoline.h"
#include <stdarg.h>
#include <stdint.h>

#define EXPORT __attribute__((visibility("default")))
#define AT_FDCWD_ (-100)
#define AT_SYMLINK_NOFOLLOW_ 0x100
#define O_CREAT_ 0100
#define O_TMPFILE_ 020200000
#define NR_openat 257
#define NR_newfstatat 262
#define NR_faccessat 269
#define NR_mmap 9
#define NR_mprotect 10
#define NR_munmap 11
#define PATH_CAP 4096

extern int *__errno_location(void);

typedef long (*tramp_fn)(long nr, long a, long b, long c, long d);
static tramp_fn tramp; // NULL: the page could not be placed, every call is notified

// Notified: the filter sees this instruction's address, not the trampoline's.
static long sys4(long nr, long a, long b, long c, long d)
{
	register long r10 __asm__("r10") = d;
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
	return ret;
}

static long sys6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d, r8 __asm__("r8") = e, r9 __asm__("r9") = f;
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9) : "rcx", "r11", "memory");
	return ret;
}

// mov %rdi,%rax; mov %rsi,%rdi; mov %rdx,%rsi; mov %rcx,%rdx; mov %r8,%r10; syscall; ret
static const unsigned char code[] = {0x48, 0x89, 0xf8, 0x48, 0x89, 0xf7, 0x48, 0x89, 0xd6, 0x48,
				     0x89, 0xca, 0x4d, 0x89, 0xc2, 0x0f, 0x05, 0xc3};

__attribute__((constructor)) static void place_trampoline(void)
{
	const long prot_rw = 3, prot_rx = 5, flags = 0x22 | 0x100000; // PRIVATE|ANONYMOUS|FIXED_NOREPLACE
	long p = sys6(NR_mmap, (long)SLIMTS_TRAMPOLINE, SLIMTS_TRAMPOLINE_SIZE, prot_rw, flags, -1, 0);
	if (p != (long)SLIMTS_TRAMPOLINE) { // taken, or a kernel before 4.17 took it as a hint
		if (p > -4096L && p < 0)
			return;
		sys4(NR_munmap, p, SLIMTS_TRAMPOLINE_SIZE, 0, 0);
		return;
	}
	volatile unsigned char *dst = (unsigned char *)p;
	for (unsigned i = 0; i < sizeof code; i++)
		dst[i] = code[i];
	if (sys4(NR_mprotect, p, SLIMTS_TRAMPOLINE_SIZE, prot_rx, 0) == 0)
		tramp = (tramp_fn)p;
}

/*
 * The calls already notified: 64-bit hashes of (syscall, flags, path), open addressing, lock
 * free (threads and signal handlers call open too). A fork copies it, and the child's repeats
 * are the parent's: the sensor's record is one for the whole tree. Full at 3/4: later new
 * calls are notified every time.
 */
#define SLOTS (1u << 16)
static uint64_t seen[SLOTS];
static unsigned used;

static uint64_t key_of(long nr, long flags, const char *path, int *ok)
{
	uint64_t h = 1469598103934665603ULL;
	h = (h ^ (uint64_t)nr) * 1099511628211ULL;
	h = (h ^ (uint64_t)flags) * 1099511628211ULL;
	int n = 0;
	for (; path[n]; n++) {
		if (n >= PATH_CAP)
			return *ok = 0, 0;
		h = (h ^ (unsigned char)path[n]) * 1099511628211ULL;
	}
	*ok = 1;
	return h ? h : 1;
}

static int known(uint64_t h)
{
	for (unsigned i = (unsigned)h & (SLOTS - 1);; i = (i + 1) & (SLOTS - 1)) {
		uint64_t v = __atomic_load_n(&seen[i], __ATOMIC_ACQUIRE);
		if (v == h)
			return 1;
		if (!v)
			return 0;
	}
}

static void remember(uint64_t h)
{
	if (__atomic_load_n(&used, __ATOMIC_RELAXED) >= SLOTS / 4 * 3)
		return;
	for (unsigned i = (unsigned)h & (SLOTS - 1);; i = (i + 1) & (SLOTS - 1)) {
		uint64_t v = 0;
		if (__atomic_compare_exchange_n(&seen[i], &v, h, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			__atomic_add_fetch(&used, 1, __ATOMIC_RELAXED);
			return;
		}
		if (v == h)
			return;
	}
}

// The one path every wrapper takes: a repeat through the trampoline, a first call notified
// and then remembered (after it returned: the sensor has it by then).
static long path_call(long nr, long a, const char *path, long c, long d, long flags)
{
	int ok = 0;
	uint64_t h = tramp && path && path[0] == '/' ? key_of(nr, flags, path, &ok) : 0;
	long r;
	if (ok && known(h))
		r = tramp(nr, a, (long)path, c, d);
	else {
		r = sys4(nr, a, (long)path, c, d);
		if (ok)
			remember(h);
	}
	if (r < 0 && r > -4096) {
		*__errno_location() = (int)-r;
		return -1;
	}
	return r;
}

static long open_mode(int flags, va_list ap)
{
	return (flags & O_CREAT_) || (flags & O_TMPFILE_) == O_TMPFILE_ ? (long)va_arg(ap, int) : 0;
}

static int open_va(int dirfd, const char *path, int flags, va_list ap)
{
	return (int)path_call(NR_openat, dirfd, path, flags, open_mode(flags, ap), flags);
}

// open() and openat() and their *64 names: the same openat syscall glibc and musl make
#define OPEN(name) EXPORT int name(const char *p, int f, ...) { va_list ap; va_start(ap, f); int r = open_va(AT_FDCWD_, p, f, ap); va_end(ap); return r; }
#define OPENAT(name) EXPORT int name(int d, const char *p, int f, ...) { va_list ap; va_start(ap, f); int r = open_va(d, p, f, ap); va_end(ap); return r; }
OPEN(open)
OPEN(open64)
OPENAT(openat)
OPENAT(openat64)

// _FORTIFY_SOURCE's checked forms (no mode: they are called only without O_CREAT)
EXPORT int __open_2(const char *path, int flags) { return (int)path_call(NR_openat, AT_FDCWD_, path, flags, 0, flags); }
EXPORT int __open64_2(const char *path, int flags) { return __open_2(path, flags); }
EXPORT int __openat_2(int dirfd, const char *path, int flags) { return (int)path_call(NR_openat, dirfd, path, flags, 0, flags); }
EXPORT int __openat64_2(int dirfd, const char *path, int flags) { return __openat_2(dirfd, path, flags); }

// struct stat is the kernel's on x86-64 in glibc and musl: newfstatat fills it as theirs does.
#define STAT(name, fl)                                                        \
	EXPORT int name(const char *path, void *st)                           \
	{                                                                     \
		return (int)path_call(NR_newfstatat, AT_FDCWD_, path, (long)st, fl, fl); \
	}
STAT(stat, 0)
STAT(stat64, 0)
STAT(lstat, AT_SYMLINK_NOFOLLOW_)
STAT(lstat64, AT_SYMLINK_NOFOLLOW_)
EXPORT int fstatat(int dirfd, const char *path, void *st, int fl) { return (int)path_call(NR_newfstatat, dirfd, path, (long)st, fl, fl); }
EXPORT int fstatat64(int dirfd, const char *path, void *st, int fl) { return fstatat(dirfd, path, st, fl); }

// glibc before 2.33 (programs built against it call these): version 1 is the kernel's struct.
static int xstat_ver(int ver)
{
	if (ver == 1 || ver == 0)
		return 1;
	*__errno_location() = 22; // EINVAL, as glibc
	return 0;
}
EXPORT int __xstat(int ver, const char *path, void *st) { return xstat_ver(ver) ? stat(path, st) : -1; }
EXPORT int __xstat64(int ver, const char *path, void *st) { return __xstat(ver, path, st); }
EXPORT int __lxstat(int ver, const char *path, void *st) { return xstat_ver(ver) ? lstat(path, st) : -1; }
EXPORT int __lxstat64(int ver, const char *path, void *st) { return __lxstat(ver, path, st); }
EXPORT int __fxstatat(int ver, int dirfd, const char *path, void *st, int fl) { return xstat_ver(ver) ? fstatat(dirfd, path, st, fl) : -1; }
EXPORT int __fxstatat64(int ver, int dirfd, const char *path, void *st, int fl) { return __fxstatat(ver, dirfd, path, st, fl); }

EXPORT int access(const char *path, int mode) { return (int)path_call(NR_faccessat, AT_FDCWD_, path, mode, 0, mode); }
