// Host programs for the imagebuild tests: the ELF fixtures plus a zlib user and scripts.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildFixtures, type Fixtures } from '../elf/fixtures.js';

export interface BuildFixtures extends Fixtures {
  zlibUser: string;
  script: string;
  envScript: string;
  textFile: string;
  dataDir: string;
}

export function buildImagebuildFixtures(): BuildFixtures {
  const fx = buildFixtures();
  const w = (rel: string, text: string, mode = 0o644) => {
    writeFileSync(join(fx.dir, rel), text);
    chmodSync(join(fx.dir, rel), mode);
    return join(fx.dir, rel);
  };
  w(
    'src/zuser.c',
    [
      '#include <stdio.h>',
      '#include <string.h>',
      '#include <zlib.h>',
      'int main(void){',
      '  const char *s = "slimts slimts slimts slimts"; unsigned char out[128]; uLongf n = sizeof out;',
      '  if (compress(out, &n, (const Bytef *)s, strlen(s)) != Z_OK) return 1;',
      '  printf("zlib %s compressed %zu to %lu\\n", zlibVersion(), strlen(s), (unsigned long)n);',
      '  return 0;',
      '}',
      '',
    ].join('\n'),
  );
  execFileSync('gcc', ['-O2', '-o', 'bin/zuser', 'src/zuser.c', '-lz'], { cwd: fx.dir, stdio: ['ignore', 'ignore', 'inherit'] });
  const script = w('bin/hello.sh', '#!/bin/sh\necho "script says ${1:-nothing}"\n', 0o755);
  const envScript = w('bin/hello-env.sh', '#!/usr/bin/env bash\necho "bash ${BASH_VERSINFO[0]} says hi"\n', 0o755);
  const textFile = w('notes.txt', 'just text, no #! and no ELF\n', 0o755);
  const dataDir = join(fx.dir, 'data');
  mkdirSync(join(dataDir, 'sub'), { recursive: true });
  writeFileSync(join(dataDir, 'a.txt'), 'alpha\n');
  writeFileSync(join(dataDir, 'sub/b.txt'), 'beta\n');
  chmodSync(join(dataDir, 'sub/b.txt'), 0o600);
  symlinkSync('sub/b.txt', join(dataDir, 'b-link'));
  return { ...fx, zlibUser: join(fx.dir, 'bin/zuser'), script, envScript, textFile, dataDir };
}
