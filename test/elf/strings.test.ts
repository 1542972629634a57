// String literals of ELF read-only data (src/elf/strings.ts) and the imports that make them
// count (src/elf/parse.ts), on a program gcc builds here: a tail-merged literal, a search list,
// a string without a NUL (as Go lays them out), exec and dlopen imports.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeTargets, elfStrings, layoutOf, namedBy, parseElf } from '../../src/elf/index.js';

const SOURCE = `#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
static const char DATA[] = "/usr/share/fixture/data/";
static const char LIST[] = "/opt/a/share:/opt/b/share";
static const char GOLIKE[15] = "ok/etc/hostsGET"; /* no NUL, as Go strings */
int main(int argc, char **argv) {
  if (argc > 3) execlp("unxz", "unxz", (char *)0);
  if (argc > 2) execlp("xz", "xz", "-d", (char *)0); /* the linker merges "xz" into "unxz" */
  if (argc > 1) dlopen("libfixture.so.1", RTLD_NOW);
  puts(DATA); puts(LIST); fwrite(GOLIKE, 1, sizeof GOLIKE, stdout);
  return 0;
}
`;
const GO_NOTE = `__attribute__((used, section(".go.buildinfo"))) static const char BUILDINFO[] = "\\xff Go buildinf:";\n`;
const PLAIN = `#include <stdio.h>
static const char P[] = "/etc/plain.conf";
int main(void) { puts(P); return system("true"); }
`;

let dir: string;
const bin: Record<string, Buffer> = {};
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'slimts-strings-'));
  for (const [name, src] of Object.entries({ prog: SOURCE, go: GO_NOTE + SOURCE, plain: `#include <stdlib.h>\n${PLAIN}` })) {
    writeFileSync(join(dir, `${name}.c`), src);
    execFileSync('gcc', ['-O2', '-o', join(dir, name), join(dir, `${name}.c`)]);
    bin[name] = readFileSync(join(dir, name));
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const reader = (b: Buffer) => {
  let reads = 0;
  let largest = 0;
  return {
    read: (o: number, l: number) => {
      reads++;
      largest = Math.max(largest, l);
      return b.subarray(o, o + l);
    },
    stats: () => ({ reads, largest }),
  };
};

describe('ELF imports', () => {
  it('names the exec and dlopen calls a program imports, not what it defines', () => {
    const b = bin.prog!;
    expect(parseElf((o, l) => b.subarray(o, o + l), b.length, { imports: true })!.imports).toEqual(['execlp', 'dlopen']);
    // only when asked: parseElf alone reads the headers and the dynamic string table
    expect(parseElf((o, l) => b.subarray(o, o + l), b.length)!.imports).toBeUndefined();
    const p = bin.plain!;
    expect(parseElf((o, l) => p.subarray(o, o + l), p.length, { imports: true })!.imports).toEqual(['system']);
  });

  it('libc defines execvp, system, popen and dlopen: it imports none of them', () => {
    const libc = execFileSync('gcc', ['-print-file-name=libc.so.6']).toString().trim();
    const b = readFileSync(libc);
    expect(parseElf((o, l) => b.subarray(o, o + l), b.length, { imports: true })!.imports ?? []).toEqual([]);
  });
});

describe('ELF strings', () => {
  it('paths of the read-only data, a search list split, a run without a NUL', () => {
    const b = bin.prog!;
    const s = elfStrings((o, l) => b.subarray(o, o + l), b.length);
    expect(s.paths).toEqual(expect.arrayContaining(['/usr/share/fixture/data/', '/opt/a/share', '/opt/b/share']));
    // the run goes on into what follows it; matching against the filesystem sorts that out
    expect(s.paths.some((p) => p.startsWith('/etc/hostsGET'))).toBe(true);
    expect(s.words).toBeUndefined(); // not asked for
    expect(s.go).toBeUndefined();
  });

  it('whole strings, and a literal the linker merged into a longer one when code points at it', () => {
    const b = bin.prog!;
    const s = elfStrings((o, l) => b.subarray(o, o + l), b.length, { words: true });
    // the file holds "unxz\0" only: "xz" exists as a tail that code addresses
    expect(b.includes(Buffer.from('\0xz\0'))).toBe(false);
    expect(s.words).toEqual(expect.arrayContaining(['unxz', 'xz', 'libfixture.so.1', '-d']));
    // other tails of "unxz" are not literals
    expect(s.words).not.toContain('nxz');
    expect(s.words).not.toContain('z');
    const layout = layoutOf((o, l) => b.subarray(o, o + l), b.length);
    const unxz = b.indexOf(Buffer.from('\0unxz\0')) + 1;
    expect(codeTargets((o, l) => b.subarray(o, o + l), layout)).toEqual(expect.arrayContaining([unxz, unxz + 2]));
  });

  it('what a file names: its imports, and whole strings only when it imports exec or dlopen', () => {
    const b = bin.prog!;
    const s = namedBy((o, l) => b.subarray(o, o + l), b.length);
    expect(s.imports).toEqual(['execlp', 'dlopen']);
    expect(s.words).toContain('xz');
    const libc = readFileSync(execFileSync('gcc', ['-print-file-name=libc.so.6']).toString().trim());
    const l = namedBy((o, n) => libc.subarray(o, o + n), libc.length);
    expect(l.words).toBeUndefined();
    expect(l.paths).toContain('/etc/gai.conf');
  });

  it('a Go program is told by its sections', () => {
    const b = bin.go!;
    expect(elfStrings((o, l) => b.subarray(o, o + l), b.length).go).toBe(true);
  });

  it('reads in bounded chunks, never the whole file at once', () => {
    // a 3 MB read-only section: read in steps of at most 1 MB
    const big = `#include <stdio.h>\nstatic const char BIG[3 << 20] = "/srv/big/start";\nint main(void) { puts(BIG + (3 << 20) - 2); return 0; }\n`;
    writeFileSync(join(dir, 'big.c'), big);
    execFileSync('gcc', ['-O2', '-o', join(dir, 'big'), join(dir, 'big.c')]);
    const b = readFileSync(join(dir, 'big'));
    const r = reader(b);
    expect(elfStrings(r.read, b.length).paths).toContain('/srv/big/start');
    expect(r.stats().largest).toBeLessThanOrEqual((1 << 20) + 8);
  });

  it('a file that is not ELF has no strings', () => {
    const b = Buffer.from('#!/bin/sh\necho /etc/passwd\n'.padEnd(128, ' '));
    expect(elfStrings((o, l) => b.subarray(o, o + l), b.length, { words: true })).toEqual({ paths: [], words: [] });
  });
});
