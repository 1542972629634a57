// Which whole strings of a kept ELF file name programs it runs (src/refs/binary.ts
// programName, isSharedLibrary), over real files compiled here and the host's C library.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namedBy, parseElf } from '../../src/elf/index.js';
import { binaryRefs, Fs, launchers } from '../../src/refs/index.js';
import { memView } from '../elf/memview.js';

const LIBC = '/lib/x86_64-linux-gnu/libc.so.6';
let dir: string;
let bytes: Record<string, Buffer>;

// a program that runs a compressor by name when asked, and whose other strings are words:
// an fopen mode, a bracket in a message table, the names of calls in diagnostics, booleans
const PROGRAM = `
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
static const char *const table[] = { "[", "test invocation", "yes", "true", 0 };
int main(int argc, char **argv) {
  struct stat st;
  if (argc > 2 && strcmp(argv[1], "pack") == 0) { execlp("xz", "xz", "-k", argv[2], (char *)0); return 127; }
  if (stat(argv[0], &st) != 0) { fprintf(stderr, "%s: %s\\n", "stat", argv[0]); return 1; }
  if (argc > 4) fprintf(stderr, "free %d-sized blocks", argc);
  if (argc > 3) { char cmd[64]; snprintf(cmd, sizeof cmd, "gzip -t %s", argv[3]); return system(cmd); }
  if (mkdir("/tmp/x", 0700) != 0) fprintf(stderr, "%s failed\\n", "mkdir");
  FILE *f = fopen("/tmp/out", "w");
  if (f) fclose(f);
  return table[argc % 4] != 0;
}
`;
// a shared library that runs a helper for one of its calls, given by path, and parses words
const LIBRARY = `
#include <string.h>
#include <unistd.h>
int lib_bool(const char *s) { return strcmp(s, "yes") == 0 || strcmp(s, "true") == 0 || strcmp(s, "gzip") == 0; }
int lib_remote(char *host) { char *argv[] = { "ssh", "-xT", host, 0 }; execvp("/usr/bin/ssh", argv); return -1; }
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'slimts-refs-programs-'));
  writeFileSync(join(dir, 'prog.c'), PROGRAM);
  writeFileSync(join(dir, 'lib.c'), LIBRARY);
  execFileSync('gcc', ['-O2', '-o', join(dir, 'prog'), join(dir, 'prog.c')]);
  execFileSync('gcc', ['-O2', '-shared', '-fPIC', '-Wl,-soname,libremote.so.1', '-o', join(dir, 'libremote.so.1'), join(dir, 'lib.c')]);
  bytes = { prog: readFileSync(join(dir, 'prog')), lib: readFileSync(join(dir, 'libremote.so.1')), libc: readFileSync(realpathSync(LIBC)) };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * An image with the C library and the programs below on PATH (every file executable), laid out
 * as Debian's: /lib is a link to usr/lib, so the loader's /lib/… path reaches libc through it.
 */
function image(extra: Record<string, Buffer> = {}) {
  const exe = Buffer.from('#!/bin/sh\n');
  const progs = ['xz', 'gzip', 'ssh', '[', 'w', 'yes', 'true', 'stat', 'mkdir', 'test', 'free'];
  return new Fs(memView({
    '/lib': { link: 'usr/lib' },
    [`/usr${LIBC}`]: bytes.libc,
    ...Object.fromEntries(progs.map((p) => [`/usr/bin/${p}`, exe])),
    ...extra,
  }));
}

function programsOf(path: string, b: Buffer): string[] {
  const read = (o: number, n: number) => b.subarray(o, o + n);
  const elf = parseElf(read, b.length, { imports: true })!;
  const strings = namedBy(read, b.length);
  const fs = image({ [path]: b });
  return binaryRefs(path, elf, strings, { fs, pathVar: '/usr/bin', ldLibraryPath: [], ldSoConfDirs: [] })
    .filter((r) => r.mechanism === 'binary-program').map((r) => r.path).sort();
}

describe('programs a kept ELF file names', () => {
  it('a program keeps the helper it runs by name (execlp "xz"), not modes, punctuation or the names of calls', () => {
    // the strings are there: it is the rule that tells them apart
    const words = namedBy((o, n) => bytes.prog.subarray(o, o + n), bytes.prog.length).words!;
    for (const w of ['xz', '[', 'w', 'yes', 'true', 'stat', 'mkdir']) expect(words).toContain(w);
    const kept = programsOf('/usr/local/bin/prog', bytes.prog);
    expect(kept).toContain('/usr/bin/xz');
    // system(): a command line runs its first word; a C call's name before a format is a message
    expect(kept).toContain('/usr/bin/gzip');
    expect(kept).not.toContain('/usr/bin/free');
    // an fopen mode, a bracket, the names of the C library's calls in diagnostics
    for (const noise of ['w', '[', 'stat', 'mkdir']) expect(kept).not.toContain(`/usr/bin/${noise}`);
  });

  it('a shared library keeps a helper it runs by path, not its parsers\' words', () => {
    const words = namedBy((o, n) => bytes.lib.subarray(o, o + n), bytes.lib.length).words!;
    for (const w of ['yes', 'true', 'gzip', 'ssh']) expect(words).toContain(w);
    expect(programsOf('/usr/lib/x86_64-linux-gnu/libremote.so.1', bytes.lib)).toEqual(['/usr/bin/ssh']);
  });

  it('without the C library in the image, names of calls are not told apart (and still not one-character words)', () => {
    const b = bytes.prog;
    const read = (o: number, n: number) => b.subarray(o, o + n);
    const fs = new Fs(memView({ '/usr/local/bin/prog': b, '/usr/bin/stat': 'x', '/usr/bin/[': 'x', '/usr/bin/xz': 'x' }));
    const got = binaryRefs('/usr/local/bin/prog', parseElf(read, b.length, { imports: true })!, namedBy(read, b.length), { fs, pathVar: '/usr/bin', ldLibraryPath: [], ldSoConfDirs: [] });
    expect(got.map((r) => r.path).filter((p) => p.startsWith('/usr/bin/')).sort()).toEqual(['/usr/bin/stat', '/usr/bin/xz']);
  });
});

describe('programs that run their arguments', () => {
  const x = (pid: number, path: string, syscall = 'execve', ok = true) => ({ pid, intent: 'x', syscall, path, ok });
  const real = (p: string) => (p === '/bin/env' ? '/usr/bin/env' : p);

  it('a program the run saw replace itself with another is a launcher; a script, its interpreter and the loader are not', () => {
    const events = [
      // #!/usr/bin/env python3: the script, its interpreter env (and the loader), then env runs python3
      x(10, '/app/app.py'), x(10, '/bin/env', 'interp'), x(10, '/lib64/ld-linux-x86-64.so.2', 'interp'),
      x(10, '/usr/local/bin/python3', 'execve', false), x(10, '/usr/bin/python3'),
      // a shell script run by sh: sh is its interpreter, not a launcher of it
      x(11, '/entry.sh'), x(11, '/bin/sh', 'interp'),
      // a program that runs a child in another process
      x(12, '/usr/bin/xargs'), x(13, '/usr/bin/gzip'),
    ];
    expect([...launchers(events, real)].sort()).toEqual(['/usr/bin/env']);
  });

  it('a launcher\'s whole strings name no programs; the program it runs by path still counts', () => {
    const b = bytes.prog;
    const read = (o: number, n: number) => b.subarray(o, o + n);
    const elf = parseElf(read, b.length, { imports: true })!;
    const strings = namedBy(read, b.length);
    const fs = image({ '/usr/bin/env': b });
    const ctx = { fs, pathVar: '/usr/bin', ldLibraryPath: [], ldSoConfDirs: [] };
    expect(binaryRefs('/usr/bin/env', elf, strings, ctx).map((r) => r.path)).toContain('/usr/bin/xz');
    const asLauncher = binaryRefs('/usr/bin/env', elf, { ...strings, words: [...strings.words!, '/usr/bin/gzip'] }, { ...ctx, isLauncher: (f: string) => f === '/usr/bin/env' });
    expect(asLauncher.filter((r) => r.mechanism === 'binary-program').map((r) => r.path)).toEqual(['/usr/bin/gzip']);
  });
});
