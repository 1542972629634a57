// A table of bad invocations of every command (build, xray, imagebuild; and commander's own
// usage errors). Each must print exactly one line
// (`slimts: …`, no stack), exit with the given code, and leave nothing behind: no container,
// volume or image labelled with the build's owner id, no temp dir. Input that can be judged
// without the engine must not even connect to it (DOCKER_HOST points at a socket that
// counts connections).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLIMTS, docker } from '../helpers/docker.js';
import { buildSample, ensureCli } from './e2e.js';

const work = mkdtempSync(join(tmpdir(), 'slimts-bad-'));
const counter = join(work, 'counting.sock');
let connections = 0;
let server: Server;

interface Case {
  name: string;
  /** The command (default build); '' for the program itself. */
  cmd?: string;
  args: string[];
  env?: Record<string, string>;
  line: RegExp;
  code: number;
  /** Judged before any engine work: the counting socket must see no connection. */
  noEngine?: boolean;
}

function owned(kind: 'ps' | 'volume' | 'images', owner: string): string[] {
  const args = kind === 'ps' ? ['ps', '-aq'] : kind === 'volume' ? ['volume', 'ls', '-q'] : ['images', '-aq'];
  return docker([...args, '--filter', `label=io.slimts.owner=${owner}`]).stdout.split('\n').filter(Boolean);
}

function slimtsIn(cmd: string, args: string[], env: Record<string, string>) {
  const tmp = mkdtempSync(join(work, 'tmp-'));
  const r = spawnSync('node', [SLIMTS, ...(cmd ? [cmd] : []), ...args], {
    cwd: work, env: { ...process.env, TMPDIR: tmp, ...env }, input: '', maxBuffer: 64 << 20,
  });
  const left = readdirSync(tmp);
  rmSync(tmp, { recursive: true, force: true });
  return { status: r.status ?? -1, stderr: r.stderr.toString(), stdout: r.stdout.toString(), pid: r.pid, tmpLeft: left };
}

describe('slimts: bad invocations of every command', () => {
  let image: string;
  const cases: Case[] = [];

  beforeAll(async () => {
    ensureCli();
    image = buildSample('nginx');
    server = createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => server.listen(counter, r));
    writeFileSync(join(work, 'garbage.tar'), Buffer.alloc(4096, 7));
    mkdirSync(join(work, 'empty-dir'));
    mkdirSync(join(work, 'full-dir'));
    writeFileSync(join(work, 'full-dir', 'x'), 'x');
  });

  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    rmSync(work, { recursive: true, force: true });
  });

  const offline = (name: string, args: (img: string) => string[], line: RegExp, env?: Record<string, string>) =>
    cases.push({ name, args: args('IMAGE'), env, line, code: 2, noEngine: true });
  offline('a tag the reference grammar refuses', (i) => [i, '--tag', 'bad tag!!'], /^slimts: --tag: invalid image name "bad tag!!"/);
  offline('an uppercase tag', (i) => [i, '--tag', 'App:1'], /^slimts: --tag: invalid image name "App:1": repository name must be lowercase/);
  offline('a bad exposed port', (i) => [i, '--new-expose', '80/xyz'], /^slimts: --new-expose: expected PORT\[\/tcp\|udp\|sctp\] with PORT 1-65535, got "80\/xyz"/);
  offline('a bad env var', (i) => [i, '--env', '=x'], /^slimts: --env: expected KEY=VALUE, got "=x"/);
  offline('a relative workdir', (i) => [i, '--workdir', 'app'], /^slimts: --workdir wants an absolute path/);
  offline('a bad mount', (i) => [i, '--mount', 'type=nfs,dst=/x'], /^slimts: --mount "type=nfs,dst=\/x": type must be volume, tmpfs or bind/);
  offline('a missing --exe', (i) => [i, '--exe', '/no/such/exe'], /^slimts: --exe \/no\/such\/exe: no such file on this host/);
  offline('an --exe DEST that is not absolute', (i) => [i, '--exe', '/bin/true:usr/bin/t'], /^slimts: --exe "\/bin\/true:usr\/bin\/t": DEST must be an absolute image path/);
  offline('an --exe with an empty DEST', (i) => [i, '--exe', '/bin/true:'], /^slimts: --exe "\/bin\/true:": empty DEST/);
  offline('an --exe that is a directory', (i) => [i, '--exe', '/usr/bin'], /^slimts: --exe \/usr\/bin: is a directory, not an executable/);
  offline('a missing probe script', (i) => [i, '--probe-script', '/no/such/script'], /^slimts: --probe-script \/no\/such\/script: no such file/);
  offline('a bad probe spec', (i) => [i, '--http-probe-cmd', 'GET nothing'], /^slimts: --http-probe-cmd wants/);
  offline('a bad continue-after', (i) => [i, '--continue-after', 'later'], /^slimts: --continue-after wants/);
  offline('a negative timeout', (i) => [i, '--timeout', '-1'], /^slimts: --timeout wants a number/);
  offline('a bad platform', (i) => [i, '--platform', 'linux'], /^slimts: --platform: invalid platform "linux"/);
  offline('--output and --push together', (i) => [i, '--output', 'x.tar', '--push', '127.0.0.1:5000/x:1'], /^slimts: --output and --push are exclusive/);
  offline('a push without a registry host', (i) => [i, '--push', 'justaname:1'], /^slimts: --push "justaname:1" names no registry host/);
  offline('an output in a missing directory', (i) => [i, '--output', '/no/such/dir/out.tar'], /^slimts: --output: \/no\/such\/dir\/out.tar: directory \/no\/such\/dir does not exist/);
  offline('an output dir that is not empty', (i) => [i, '--output', join(work, 'full-dir')], /^slimts: --output: .*full-dir exists and is not empty/);
  offline('a report in a missing directory', (i) => [i, '--report', '/no/such/dir/r.json'], /^slimts: --report \/no\/such\/dir\/r.json: directory \/no\/such\/dir does not exist/);
  offline('a seccomp profile in a missing directory', (i) => [i, '--seccomp-profile', '/no/such/dir/p.json'], /^slimts: --seccomp-profile \/no\/such\/dir\/p.json: directory \/no\/such\/dir does not exist/);
  offline('a bad SOURCE_DATE_EPOCH', (i) => [i], /^slimts: SOURCE_DATE_EPOCH must be whole seconds/, { SOURCE_DATE_EPOCH: 'yesterday' });
  offline('a missing archive', () => ['missing.tar'], /^slimts: file "missing.tar" not found/);
  offline('an archive that is not one', () => [join(work, 'garbage.tar')], /^slimts: .*garbage\.tar/);
  offline('an OCI dir that is not a layout', () => [`oci:${join(work, 'empty-dir')}`], /^slimts: .*empty-dir/);
  offline('a directory that is not a layout', () => [join(work, 'empty-dir')], /^slimts: directory ".*empty-dir" is not an OCI layout/);

  // an image name no engine can take, named as the user wrote it (not as the derived output name)
  offline('an image name with a space and punctuation', () => ['Bad Image!!'], /^slimts: invalid image name "Bad Image!!": contains whitespace/);
  // commander's own usage errors end the same way: one line, exit 2
  offline('an unknown option', (i) => [i, '--bogus'], /^slimts: unknown option '--bogus'$/);
  offline('a misspelt option', (i) => [i, '--jsn'], /^slimts: unknown option '--jsn' \(Did you mean --json\?\)$/);
  offline('a missing image argument', () => [], /^slimts: missing required argument 'image'$/);
  offline('an option missing its value', (i) => [i, '--tag'], /^slimts: option '--tag <name:tag>' argument missing$/);
  const other = (cmd: string, name: string, args: (img: string) => string[], line: RegExp, noEngine = true) =>
    cases.push({ cmd, name: `${cmd || 'slimts'}: ${name}`, args: args('IMAGE'), line, code: 2, noEngine });
  other('', 'an unknown command', () => ['slim'], /^slimts: unknown command 'slim'$/);
  other('', 'an unknown global option', () => ['--bogus'], /^slimts: unknown option '--bogus'$/);
  other('xray', 'an image name with a space', () => ['Bad Image!!'], /^slimts: invalid image name "Bad Image!!": contains whitespace/);
  other('xray', 'a --diff image name with a space', (i) => [i, '--diff', 'other image'], /^slimts: invalid image name "other image": contains whitespace/, false);
  other('xray', 'an unknown option', (i) => [i, '--bogus'], /^slimts: unknown option '--bogus'$/);
  other('xray', 'a missing image argument', () => [], /^slimts: missing required argument 'image'$/);
  other('xray', 'a bad --top', (i) => [i, '--top', 'many'], /^slimts: --top wants a whole number, got 'many'$/);
  other('imagebuild', 'a --from name with a space', () => ['--exe', '/bin/true', '--from', 'Bad Image', '--no-verify'], /^slimts: invalid image name "Bad Image": contains whitespace/, false);
  other('imagebuild', 'an unknown option', () => ['--exe', '/bin/true', '--bogus'], /^slimts: unknown option '--bogus'$/);
  other('imagebuild', 'a missing --exe', () => ['--exe', '/no/such/exe'], /^slimts: .*\/no\/such\/exe/);
  other('imagebuild', 'a bad --verify-timeout', () => ['--exe', '/bin/true', '--verify-timeout', 'soon'], /^slimts: --verify-timeout: expected seconds/);
  other('imagebuild', 'a bad --tag', () => ['--exe', '/bin/true', '--tag', 'Bad Tag'], /^slimts: .*invalid image name "Bad Tag"/, false);

  // refused by the engine (after it was asked): its words, exit 2, nothing left
  const engine = (name: string, args: (img: string) => string[], line: RegExp) => cases.push({ name, args: args('IMAGE'), line, code: 2 });
  engine('an image the engine lacks', () => ['slimts-e2e/no-such-image:1'], /^slimts: image "slimts-e2e\/no-such-image:1" not found; use --pull/);
  engine('a network the engine lacks', (i) => [i, '--network', 'slimts-no-such-net'], /^slimts: .*network slimts-no-such-net not found/);
  engine('a bind source the engine host lacks', (i) => [i, '--mount', 'type=bind,src=/no/such/dir,dst=/x'], /^slimts: .*\/no\/such\/dir/);
  engine('an unreachable engine', (i) => [i], /^slimts: .*(engine|Docker)/);

  it('each prints one line, exits as it should and leaves nothing behind', () => {
    const failures: string[] = [];
    for (const c of cases) {
      const args = c.args.map((a) => (a === 'IMAGE' ? image : a));
      const unreachable = c.name === 'an unreachable engine';
      const env = { ...(c.noEngine || unreachable ? { DOCKER_HOST: `unix://${unreachable ? join(work, 'none.sock') : counter}` } : {}), ...c.env };
      const before = connections;
      const cmd = c.cmd ?? 'build';
      // build writes its report here; not after an option that wants a value (it would take it)
      const report = cmd === 'build' && !c.args.includes('--report') && !c.args.at(-1)?.startsWith('--');
      const r = slimtsIn(cmd, report ? [...args, '--report', join(work, 'r.json')] : args, env);
      const lines = r.stderr.split('\n').filter((l) => l.trim() !== '' && !/^slimts: [a-z]+\.\.\.$/.test(l) && !/^slimts: [a-z]+ done in /.test(l));
      const owner = `${hostname()}:${r.pid}`;
      const left = unreachable ? [] : [...owned('ps', owner), ...owned('volume', owner), ...owned('images', owner)];
      const problems = [
        r.status !== c.code && `exit ${r.status}, want ${c.code}`,
        lines.length !== 1 && `${lines.length} lines`,
        lines.length >= 1 && !c.line.test(lines[0]!) && `line ${JSON.stringify(lines[0])}`,
        /\n\s+at /.test(r.stderr) && 'a stack trace',
        c.noEngine && connections !== before && 'it connected to the engine',
        left.length > 0 && `left ${left.join(' ')}`,
        r.tmpLeft.length > 0 && `left temp ${r.tmpLeft.join(' ')}`,
      ].filter(Boolean);
      if (problems.length) failures.push(`${c.name}: ${problems.join('; ')}\n    stderr: ${r.stderr.trim().split('\n').join('\n            ')}`);
    }
    expect(failures).toEqual([]);
  });
});
