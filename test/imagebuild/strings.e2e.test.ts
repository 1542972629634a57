// imagebuild follows what a host binary names in its strings, by build's mechanisms and the
// one host-source policy (src/refs/policy.ts): a compiled-in data path under /usr, a helper
// run by name through PATH, a library loaded by name with dlopen, each only on a path the
// default run does not take, answer in the image as on the host; a compiled-in path under a
// user's home (credentials, or plain data) is not copied and is reported, and
// --allow-host-path lets the data in, never the credentials.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, slimts, uniqueName } from '../helpers/docker.js';

const dir = mkdtempSync(join(tmpdir(), 'slimts-strings-'));
const home = join(dir, 'home');
const secret = join(home, '.ssh', 'id_ed25519');
const notes = join(home, 'site', 'motd.txt');
const exe = join(dir, 'namer');

// every name below is a string literal of the program: nothing at build time runs these branches
const SOURCE = `
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
static int cat(const char *path) {
  char buf[256];
  FILE *f = fopen(path, "r");
  if (!f) { puts("missing"); return 1; }
  if (!fgets(buf, sizeof buf, f)) buf[0] = 0;
  fclose(f);
  fputs(buf, stdout);
  return 0;
}
int main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "";
  if (strcmp(what, "data") == 0) return cat("/usr/share/common-licenses/GPL-3");
  if (strcmp(what, "secret") == 0) return cat("${secret}");
  if (strcmp(what, "notes") == 0) return cat("${notes}");
  if (strcmp(what, "pack") == 0) { fflush(stdout); execlp("gzip", "gzip", "--version", (char *)0); puts("no gzip"); return 127; }
  if (strcmp(what, "lib") == 0) {
    void *h = dlopen("libz.so.1", RTLD_NOW);
    if (!h) { puts("no libz"); return 1; }
    const char *(*version)(void) = (const char *(*)(void))dlsym(h, "zlibVersion");
    printf("zlib %s\\n", version ? version() : "?");
    return 0;
  }
  puts("ok");
  return 0;
}
`;

/** The program's answer on the host, and in the image. */
const onHost = (...args: string[]) => spawnSync(exe, args, { encoding: 'utf8' });
const inImage = (tag: string, ...args: string[]) => docker(['run', '--rm', tag, ...args], { allowFail: true });

describe('imagebuild follows what a host binary names in its strings', () => {
  const tag = `${uniqueName('slimts-e2e/strings')}:1`;
  const allowed = `${uniqueName('slimts-e2e/strings-allowed')}:1`;
  let build: ReturnType<typeof slimts>;
  beforeAll(() => {
    mkdirSync(join(home, '.ssh'), { recursive: true });
    mkdirSync(join(home, 'site'), { recursive: true });
    writeFileSync(secret, 'PRIVATE KEY\n', { mode: 0o644 });
    writeFileSync(notes, 'site notes\n');
    writeFileSync(join(dir, 'namer.c'), SOURCE);
    execFileSync('gcc', ['-O2', '-o', exe, join(dir, 'namer.c')]);
    build = slimts(['imagebuild', '--exe', `${exe}:/usr/local/bin/namer`, '--tag', tag]);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    docker(['rmi', tag, allowed], { allowFail: true });
  });

  it('a compiled-in data path, a helper run by name, a library loaded by name: as on the host', () => {
    expect(build.status, build.stderr).toBe(0);
    expect(inImage(tag).stdout).toBe('ok\n');
    for (const args of [['data'], ['pack'], ['lib']]) {
      const host = onHost(...args);
      expect(host.status).toBe(0);
      expect(host.stdout).not.toMatch(/^(missing|no )/);
      const img = inImage(tag, ...args);
      expect({ args, out: img.stdout.split('\n')[0], status: img.status }).toEqual({ args, out: host.stdout.split('\n')[0], status: 0 });
    }
  });

  it('a compiled-in path under a home directory is not copied, and each refused path is reported', () => {
    expect(onHost('secret').stdout).toBe('PRIVATE KEY\n');
    expect(inImage(tag, 'secret').stdout).toBe('missing\n');
    expect(inImage(tag, 'notes').stdout).toBe('missing\n');
    expect(build.stderr).toContain(`imagebuild: not copied from the host: ${secret} (path in the strings of ${exe}`);
    expect(build.stderr).toContain(`imagebuild: not copied from the host: ${notes} (path in the strings of ${exe}`);
    expect(build.stderr).toMatch(/id_ed25519 .*credentials: never copied/);
  });

  it('--allow-host-path lets a directory in, never credentials', () => {
    const r = slimts(['imagebuild', '--exe', `${exe}:/usr/local/bin/namer`, '--tag', allowed, '--allow-host-path', home, '--no-verify']);
    expect(r.status, r.stderr).toBe(0);
    expect(inImage(allowed, 'notes').stdout).toBe('site notes\n');
    expect(inImage(allowed, 'secret').stdout).toBe('missing\n');
    expect(r.stderr).toContain(`imagebuild: not copied from the host: ${secret}`);
    expect(r.stderr).not.toContain(`not copied from the host: ${notes}`);
  });

  it('a relative --allow-host-path is one line, exit 2', () => {
    const r = slimts(['imagebuild', '--exe', exe, '--tag', `${uniqueName('slimts-e2e/strings-bad')}:1`, '--allow-host-path', 'home']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(['slimts: --allow-host-path: expected an absolute directory, got "home"']);
  });
});
