// What imagebuild adds for scripts, without an engine: references resolved on the host, the
// interpreter's startup files, data sets, the user database and verify's rules.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostView } from '../../src/elf/index.js';
import { closureOf } from '../../src/imagebuild/closure.js';
import { referencesOf } from '../../src/imagebuild/references.js';
import { interpreterStartup } from '../../src/imagebuild/startup.js';
import { hostIds, userDatabase } from '../../src/imagebuild/userdb.js';
import { difference, verifyPlan } from '../../src/imagebuild/verify.js';
import { UserError } from '../../src/util/errors.js';

let dir: string;
const ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'slimts-ibref-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function script(rel: string, text: string): string {
  const p = join(dir, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  chmodSync(p, 0o755);
  return p;
}

function refs(path: string, dest: string, certs = true) {
  const view = hostView();
  const c = closureOf(view, path, { hostPath: ENV[0]!.slice(5).split(':'), destDir: join(dest, '..'), label: path });
  const r = referencesOf({ view, exes: [{ host: path, dest, c }], env: ENV, workdir: '/', hostPath: [], certs });
  const at = new Map(r.files.map((f) => [f.dest ?? f.path, f]));
  return { r, at };
}

describe('imagebuild references', () => {
  it('python: local modules move with the script, the stdlib stays; startup files; library code read like the script (build\'s one policy)', () => {
    script('py/helper.py', 'import hashlib\n');
    const p = script('py/main.py', '#!/usr/bin/python3\nimport json\nimport helper\ndef main():\n    import argparse\n');
    const { r, at } = refs(p, '/app/main.py');
    expect(at.get('/app/helper.py')?.path).toBe(join(dir, 'py/helper.py'));
    for (const f of ['json/__init__.py', 'argparse.py', 'os.py', 'site.py', 'encodings/utf_8.py', 'hashlib.py', 'lib-dynload']) {
      expect(at.has(`/usr/lib/python3.11/${f}`), f).toBe(true);
    }
    // argparse loads gettext, whose function argparse calls imports locale
    expect(at.has('/usr/lib/python3.11/gettext.py')).toBe(true);
    expect(at.has('/usr/lib/python3.11/locale.py')).toBe(true);
    // site's help() imports pydoc: library code is read like the script's, with build's reasons
    expect(at.get('/usr/lib/python3.11/pydoc.py')?.reason).toMatch(/^imported by \/usr\/lib\/python3\.11\/_sitebuiltins\.py:\d+ \(import pydoc\)$/);
    // but a program library code only looks for (webbrowser's shutil.which) is the host's, not the app's
    expect([...at.values()].some((f) => /\/(x-www-browser|xdg-open|gio)$/.test(f.path))).toBe(false);
    // and what never runs on import on Linux is not followed (asyncio's Windows event loop)
    expect(at.has('/usr/lib/python3.11/asyncio/windows_events.py')).toBe(false);
    // hashlib's OpenSSL brings the CA store (the build's rule), the encodings their codecs
    expect(r.dataSets.map((d) => d.set).sort()).toEqual(expect.arrayContaining(['ca', 'python-encodings']));
    expect(refs(p, '/app/main.py', false).r.dataSets.map((d) => d.set)).not.toContain('ca');
  });

  it('shell: commands found on PATH stay where PATH finds them, with their libraries', () => {
    const p = script('sh/run.sh', '#!/bin/sh\ntr a-z A-Z | sort\n. "$(dirname "$0")/lib.sh"\n');
    script('sh/lib.sh', 'uniq\n');
    const { at } = refs(p, '/app/run.sh');
    expect(at.get('/usr/bin/tr')?.type).toBe('file');
    expect(at.get('/usr/bin/sort')?.type).toBe('file');
    expect(at.get('/usr/bin/uniq')?.type).toBe('file');
    expect(at.get('/app/lib.sh')?.path).toBe(join(dir, 'sh/lib.sh'));
    expect([...at.keys()].some((k) => /\/libc\.so\.6$/.test(k))).toBe(true);
  });

  it('asks the interpreter what it loads at startup; a missing or failing interpreter is a UserError', () => {
    const s = interpreterStartup('/usr/bin/python3', undefined, ENV);
    expect(s.modules.map((m) => m.name)).toEqual(expect.arrayContaining(['site', 'os', 'encodings', 'codecs']));
    expect(s.dirs).toContain('/usr/lib/python3.11/lib-dynload');
    expect(interpreterStartup('/usr/bin/python3', '-S', ENV).modules.map((m) => m.name)).not.toContain('site');
    expect(interpreterStartup('/bin/sh', undefined, ENV)).toEqual({ modules: [], files: [], dirs: [], data: [], builtins: [] });
    expect(() => interpreterStartup('/usr/bin/python3', '-Q', ENV)).toThrow(UserError);
  });
});

describe('imagebuild user database', () => {
  it('root and the named user only; group members narrowed; unknown names refused', () => {
    const etc = join(dir, 'etc');
    mkdirSync(etc, { recursive: true });
    writeFileSync(join(etc, 'passwd'), 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\nbob:x:1001:1001::/home/bob:/bin/sh\n');
    writeFileSync(join(etc, 'group'), 'root:x:0:\nstaff:x:50:alice,bob\nalice:x:1000:\n');
    const files = Object.fromEntries(userDatabase('alice', etc).map((f) => [f.path, f.content.toString()]));
    expect(files['/etc/passwd']).toBe('root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n');
    expect(files['/etc/group']).toBe('root:x:0:\nalice:x:1000:\n');
    expect(files['/etc/nsswitch.conf']).toMatch(/^passwd: +files$/m);
    expect(userDatabase('alice:staff', etc).find((f) => f.path === '/etc/group')!.content.toString()).toBe('root:x:0:\nstaff:x:50:alice\n');
    expect(userDatabase('1001', etc)[0]!.content.toString()).toContain('bob:x:1001');
    expect(() => userDatabase('carol', etc)).toThrow(/no user carol/);
    expect(() => userDatabase('alice:nogroup', etc)).toThrow(/no group nogroup/);
    expect(hostIds('alice', etc)).toEqual({ uid: 1000, gid: 1000, home: '/home/alice' });
    expect(hostIds('bob:staff', etc)).toEqual({ uid: 1001, gid: 50, home: '/home/bob' });
    expect(hostIds('4242:7', etc)).toEqual({ uid: 4242, gid: 7, home: undefined });
    expect(hostIds('carol', etc)).toBeUndefined();
  });
});

describe('imagebuild verify rules', () => {
  const hostOf = new Map([['/app/x', '/opt/x']]);
  it('on by default only for a command that takes no input', () => {
    expect(verifyPlan({ flag: undefined, config: { Entrypoint: ['/app/x'] }, hostOf })?.hostArgv).toEqual(['/opt/x']);
    expect(verifyPlan({ flag: undefined, config: { Entrypoint: ['/app/x'], Cmd: ['--version'] }, hostOf })?.argv).toEqual(['/app/x', '--version']);
    expect(verifyPlan({ flag: undefined, config: { Entrypoint: ['/app/x'], Cmd: ['serve'] }, hostOf })).toBeUndefined();
    expect(verifyPlan({ flag: undefined, config: { Entrypoint: ['/app/x'], ExposedPorts: { '80/tcp': {} } }, hostOf })).toBeUndefined();
    expect(verifyPlan({ flag: false, config: { Entrypoint: ['/app/x'] }, hostOf })).toBeUndefined();
    const p = verifyPlan({ flag: 'a "b c"', config: { Entrypoint: ['/app/x'], Cmd: ['serve'], Env: ['K=v'] }, hostOf, timeoutS: 3 })!;
    expect(p).toMatchObject({ argv: ['/app/x', 'a', 'b c'], hostArgv: ['/opt/x', 'a', 'b c'], cmd: ['a', 'b c'], timeoutMs: 3000, explicit: true });
    expect(p.env).toMatchObject({ K: 'v', HOME: '/' });
    expect(() => verifyPlan({ flag: true, config: {}, hostOf })).toThrow(/no command/);
  });

  it('names the first difference', () => {
    const o = (exitCode: number, stdout: string, stderr = '') => ({ exitCode, stdout, stderr, timedOut: false });
    expect(difference(o(0, 'a\nb\n'), o(0, 'a\nb\n'))).toBeUndefined();
    expect(difference(o(0, 'a\n'), o(1, '', 'Fatal Python error: init_fs_encoding\n'))).toMatch(/exit code 1 in the image, 0 on the host .*init_fs_encoding/);
    expect(difference(o(0, 'a\nb\n'), o(0, 'a\nc\n'))).toBe('stdout line 2: "c" in the image, "b" on the host');
    expect(difference(o(0, ''), { ...o(137, ''), timedOut: true })).toMatch(/did not end within the timeout/);
  });
});
