// The fixed page where slimts-preload.so (sensors/preload) puts its syscall instruction. The
// observe filter (filter.c) lets a path syscall made from this page run without a notification:
// the preload makes one only for a call the sensor was already told about. Fixed, because the
// filter is installed once before the app's first exec and stays across every later exec
// (ASLR would move a library's own code). An address nothing maps by default (below the
// mmap base, above PIE and heap).
#ifndef SLIMTS_TRAMPOLINE_H
#define SLIMTS_TRAMPOLINE_H
#define SLIMTS_TRAMPOLINE 0x3e5100000000ULL
#define SLIMTS_TRAMPOLINE_SIZE 4096u
#endif
