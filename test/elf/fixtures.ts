// Builds small C programs and libraries for the ELF tests in a temp dir.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface Fixtures {
  dir: string;
  /** musl-gcc -static hello. */
  staticHello: string;
  /** gcc hello (dynamic, glibc). */
  dynHello: string;
  /** musl-gcc hello (dynamic, interpreter /lib/ld-musl-*.so.1). */
  muslHello: string;
  /** bin/greet with RUNPATH $ORIGIN/../lib needing libgreet.so (in lib/). */
  greetRunpath: string;
  /** bin/greet-rpath with DT_RPATH $ORIGIN/../lib2 needing libouter.so, which needs libinner.so (both in lib2/). */
  greetRpath: string;
  /** bin/greet-missing: needs libgreet.so without any rpath. */
  greetMissing: string;
  libDir: string;
  lib2Dir: string;
  cleanup(): void;
}

function cc(args: string[], cwd: string): void {
  execFileSync(args[0]!, args.slice(1), { cwd, stdio: ['ignore', 'ignore', 'inherit'] });
}

export function buildFixtures(): Fixtures {
  const dir = mkdtempSync(join(tmpdir(), 'slimts-elf-'));
  const w = (rel: string, text: string) => {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  };
  w('src/hello.c', '#include <stdio.h>\nint main(void){puts("hello from slimts");return 0;}\n');
  w('src/greet.c', 'int greet(void);\nint main(void){return greet();}\n');
  w('src/libgreet.c', '#include <stdio.h>\nint greet(void){puts("greetings");return 0;}\n');
  w('src/libouter.c', 'int inner(void);\nint greet(void){return inner();}\n');
  w('src/libinner.c', '#include <stdio.h>\nint inner(void){puts("inner");return 0;}\n');
  for (const d of ['bin', 'lib', 'lib2']) mkdirSync(join(dir, d), { recursive: true });
  cc(['musl-gcc', '-static', '-O2', '-o', 'bin/static-hello', 'src/hello.c'], dir);
  cc(['gcc', '-O2', '-o', 'bin/dyn-hello', 'src/hello.c'], dir);
  cc(['musl-gcc', '-O2', '-o', 'bin/musl-hello', 'src/hello.c'], dir);
  cc(['gcc', '-shared', '-fPIC', '-Wl,-soname,libgreet.so', '-o', 'lib/libgreet.so', 'src/libgreet.c'], dir);
  cc(['gcc', '-o', 'bin/greet', 'src/greet.c', '-Llib', '-lgreet', '-Wl,--enable-new-dtags', "-Wl,-rpath,$ORIGIN/../lib"], dir);
  cc(['gcc', '-shared', '-fPIC', '-Wl,-soname,libinner.so', '-o', 'lib2/libinner.so', 'src/libinner.c'], dir);
  cc(['gcc', '-shared', '-fPIC', '-Wl,-soname,libouter.so', '-o', 'lib2/libouter.so', 'src/libouter.c', '-Llib2', '-linner'], dir);
  cc(['gcc', '-o', 'bin/greet-rpath', 'src/greet.c', '-Llib2', '-louter', '-Wl,--disable-new-dtags', "-Wl,-rpath,$ORIGIN/../lib2"], dir);
  cc(['gcc', '-o', 'bin/greet-missing', 'src/greet.c', '-Llib', '-lgreet'], dir);
  return {
    dir,
    staticHello: join(dir, 'bin/static-hello'),
    dynHello: join(dir, 'bin/dyn-hello'),
    muslHello: join(dir, 'bin/musl-hello'),
    greetRunpath: join(dir, 'bin/greet'),
    greetRpath: join(dir, 'bin/greet-rpath'),
    greetMissing: join(dir, 'bin/greet-missing'),
    libDir: join(dir, 'lib'),
    lib2Dir: join(dir, 'lib2'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
