// imagebuild of a "#!/usr/bin/env python3" script: when python3 on the host PATH is a version
// manager's shim (a shell script that execs a tool the image would not have), the error names
// the shim and the fix; the real interpreter's built-in modules (sys, builtins...) are never
// reported unresolved, and the image it makes runs.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { docker, slimts, uniqueName } from '../helpers/docker.js';

const dir = mkdtempSync(join(tmpdir(), 'slimts-shim-'));
const script = (path: string, text: string) => {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
};

describe('imagebuild of a #!/usr/bin/env python3 script', () => {
  const tag = `${uniqueName('slimts-e2e/envpy')}:1`;
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    docker(['rmi', tag], { allowFail: true });
  });
  mkdirSync(join(dir, 'shims'));
  mkdirSync(join(dir, 'libexec'));
  // as pyenv's: the shim runs the manager, which picks the interpreter from its own state
  script(join(dir, 'shims', 'python3'), `#!/usr/bin/env bash\nset -e\nprogram="\${0##*/}"\nexec "${dir}/libexec/vm" exec "$program" "$@"\n`);
  script(join(dir, 'libexec', 'vm'), `#!/usr/bin/env bash\nshift\nprog="$1"; shift\nexec "$(cat "${dir}/version")/$prog" "$@"\n`);
  writeFileSync(join(dir, 'version'), '/usr/bin\n');
  script(join(dir, 'app.py'), '#!/usr/bin/env python3\nimport sys, builtins, posix\nprint("hello from", sys.version_info[0], builtins.len("ab"))\n');

  it('through a shim: one line naming the shim and the real interpreter, exit 2', () => {
    const r = slimts(['imagebuild', '--exe', join(dir, 'app.py'), '--tag', tag, '--no-verify'], { env: { PATH: `${dir}/shims:${process.env.PATH}` } });
    expect(r.status, r.stderr).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^slimts: .*finds ${dir}/shims/python3 on the host PATH, a bash script that runs another program .*use the real interpreter path \\(/usr/bin/python3[.\\d]*\\)`));
  });

  it('with the real python3: no built-in module is "unresolved", and the image runs', () => {
    // the distribution's python3 first (a developer's PATH may hold a real shim)
    const r = slimts(['imagebuild', '--exe', join(dir, 'app.py'), '--tag', tag, '-v'], { env: { PATH: `/usr/bin:/bin:${process.env.PATH}` } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/unresolved: (sys|builtins|posix|_io|_thread|_imp|marshal|_warnings) /);
    // nor a module the interpreter has under a name no file has (os.path is posixpath, __main__)
    expect(r.stderr).not.toMatch(/unresolved: (os\.path|__main__) /);
    // a name one file writes on several lines is one line, with the line numbers
    const nt = r.stderr.split('\n').filter((l) => /unresolved: nt \(\/usr\/lib\/python3[.\d]*\/os\.py:/.test(l));
    expect(nt).toHaveLength(1);
    expect(nt[0]).toMatch(/os\.py:\d+(,\d+)+: no module nt\)/);
    expect(docker(['run', '--rm', tag]).stdout).toBe('hello from 3 2\n');
  });
});
