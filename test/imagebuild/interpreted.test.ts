// imagebuild of interpreted programs and a TLS client, end to end through the CLI and the
// engine: each image runs and answers like the host, also with arguments and on paths the
// verify run did not take; the CA store is there when a TLS library is, and not with --no-certs.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, ROOT, slimts, uniqueName, WITHOUT_READ_ALL } from '../helpers/docker.js';

let dir: string;
const tags: string[] = [];

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('dist/ missing: run `npx tsc -p .` first');
  dir = mkdtempSync(join(tmpdir(), 'slimts-ibi-'));
  chmodSync(dir, 0o755);
});

afterAll(() => {
  for (const t of tags) docker(['rmi', '-f', t], { allowFail: true });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function write(rel: string, text: string, mode = 0o644): string {
  const p = join(dir, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  chmodSync(p, mode);
  return p;
}

/** imagebuild into the engine; returns the tag and what it said on stderr. */
function build(args: string[], expectStatus = 0): { tag: string; stderr: string } {
  const tag = `${uniqueName('slimts-ibi')}:t`;
  tags.push(tag);
  const r = slimts(['imagebuild', ...args, '--tag', tag]);
  expect(r.status, r.stderr).toBe(expectStatus);
  return { tag, stderr: r.stderr };
}

/** The image run with `args` (host network, like the host) and the host program run the same way. */
function both(tag: string, hostArgv: string[], args: string[] = []) {
  const img = docker(['run', '--rm', '--network', 'host', tag, ...args], { allowFail: true });
  const host = spawnSync(hostArgv[0]!, [...hostArgv.slice(1), ...args], { cwd: '/', env: { PATH: process.env.PATH!, HOME: '/' }, input: '' });
  return {
    image: { status: img.status, stdout: img.stdout, stderr: img.stderr },
    host: { status: host.status, stdout: host.stdout.toString(), stderr: host.stderr.toString() },
  };
}

function fileInImage(tag: string, path: string): boolean {
  const id = docker(['create', tag]).stdout.trim();
  try {
    return docker(['cp', `${id}:${path}`, '-'], { allowFail: true }).status === 0;
  } finally {
    docker(['rm', '-f', '-v', id], { allowFail: true });
  }
}

describe('imagebuild of scripts: the interpreter, its startup files and the imports come along', () => {
  it('a Python script with stdlib imports and a local module runs like on the host, on paths verify did not take', () => {
    write('py/helper.py', 'import hashlib\ndef digest(s):\n    return hashlib.sha256(s.encode()).hexdigest()[:12]\n');
    const script = write('py/report.py', [
      '#!/usr/bin/python3',
      'import json, sys',
      'from collections import Counter',
      'import helper',
      '',
      'def main():',
      '    import argparse  # imported only when main runs',
      '    p = argparse.ArgumentParser(prog="report")',
      '    p.add_argument("--top", type=int, default=2)',
      '    p.add_argument("--date", action="store_true")',
      '    a = p.parse_args()',
      '    if a.date:',
      '        import datetime, decimal',
      '        print(datetime.date(2024, 2, 29).isoformat(), decimal.Decimal("1.10") + decimal.Decimal("2.205"))',
      '        return',
      '    print(json.dumps({"top": Counter("mississippi").most_common(a.top), "digest": helper.digest("slimts")}, sort_keys=True))',
      '',
      'if __name__ == "__main__":',
      '    main()',
      '',
    ].join('\n'), 0o755);
    const { tag, stderr } = build(['--exe', script]);
    expect(stderr).toMatch(/verify: `\/usr\/local\/bin\/report\.py` answers in the image as on the host/);
    // --date and --help take imports verify never reached (datetime, decimal; argparse's help)
    for (const args of [['--top', '1'], ['--date'], ['--help']]) {
      const r = both(tag, [script], args);
      expect(r.image, args.join(' ')).toEqual(r.host);
      if (args[0] === '--top') expect(r.image.stdout).toBe('{"digest": "0da7f13cf625", "top": [["i", 4]]}\n');
      if (args[0] === '--date') expect(r.image.stdout).toBe('2024-02-29 3.305\n');
    }
  });

  it('a Node script requiring a local module (and a built-in) runs like on the host', () => {
    write('node/lib/greet.js', "const util = require('util');\nexports.greet = (n) => util.format('hello %s from node %s', n, process.argv.length);\n");
    const script = write('node/app.js', "#!/usr/bin/env node\nconst { greet } = require('./lib/greet');\nconst path = require('node:path');\nconsole.log(greet(path.basename('/x/slimts.txt', '.txt')));\n", 0o755);
    // a DEST directory: the script and the module beside it move there together
    const { tag, stderr } = build(['--exe', `${script}:/app/`]);
    expect(stderr).toMatch(/verify: `\/app\/app\.js` answers in the image as on the host/);
    expect(fileInImage(tag, '/app/lib/greet.js')).toBe(true);
    const r = both(tag, [script], ['a', 'b']);
    expect(r.image).toEqual(r.host);
    expect(r.image.stdout).toBe('hello slimts from node 4\n');
  });

  it('a shell script calling two host programs runs like on the host', () => {
    const script = write('sh/two.sh', '#!/bin/bash\nset -eu\necho "slimts ${1:-shell}" | tr a-z A-Z\nprintf "b\\na\\nc\\n" | sort -r\n', 0o755);
    const { tag } = build(['--exe', script]);
    const r = both(tag, [script], ['x']);
    expect(r.image).toEqual(r.host);
    expect(r.image.stdout).toBe('SLIMTS X\nc\nb\na\n');
  });

  it('a Perl script using core modules runs like on the host', () => {
    const script = write('pl/p.pl', '#!/usr/bin/perl\nuse strict;\nuse warnings;\nuse POSIX qw(floor);\nuse List::Util qw(sum);\nprintf "perl %d %d\\n", floor(7/2), sum(1, 2, 3);\n', 0o755);
    const { tag } = build(['--exe', script]);
    const r = both(tag, [script]);
    expect(r.image).toEqual(r.host);
    expect(r.image.stdout).toBe('perl 3 6\n');
  });

  it('Ruby (require, require_relative, rubygems at startup) and PHP (require of __DIR__, ini files, extensions, time zones) scripts run like on the host', () => {
    write('rb/lib/util.rb', 'module Util\n  def self.up(s) = s.upcase\nend\n');
    const rb = write('rb/app.rb', "#!/usr/bin/ruby\nrequire 'json'\nrequire 'set'\nrequire_relative 'lib/util'\nputs JSON.generate({ 'set' => Set[3, 1, 2].sort, 'u' => Util.up('slimts') })\n", 0o755);
    write('php/inc.php', '<?php\nfunction inc_double($n) { return $n * 2; }\n');
    const php = write('php/app.php', "#!/usr/bin/php\n<?php\nrequire __DIR__ . '/inc.php';\necho json_encode(['x' => inc_double(21), 'd' => date('Y-m-d', 86400 * 365)]), \"\\n\";\n", 0o755);
    for (const [script, out] of [[rb, '{"set":[1,2,3],"u":"SLIMTS"}\n'], [php, '{"x":42,"d":"1971-01-01"}\n']] as const) {
      const { tag } = build(['--exe', script]);
      const r = both(tag, [script]);
      expect(r.image).toEqual(r.host);
      expect(r.image.stdout).toBe(out);
    }
  });

  it('--user NAME: the image has a user database with that user (and only root besides); verify runs the host side as that user', () => {
    const script = write('sh/who.sh', '#!/bin/sh\nif [ "${1:-}" = db ]; then cut -d: -f1 /etc/passwd /etc/group; exit; fi\nid -un\nid -gn\necho "$HOME"\n', 0o755);
    const { tag, stderr } = build(['--exe', script, '--user', 'nobody']);
    expect(stderr).toMatch(/verify: `\/usr\/local\/bin\/who\.sh` answers in the image as on the host/);
    expect(docker(['run', '--rm', tag]).stdout).toBe('nobody\nnogroup\n/nonexistent\n');
    expect(docker(['run', '--rm', tag, 'db']).stdout).toBe('root\nnobody\nroot\nnogroup\n');
  });

  it('a difference from the host fails verify with exit 3 and names it', () => {
    // a path built at run time is not found by any reference: the image lacks it
    const script = write('py/reads.py', '#!/usr/bin/python3\nimport sys\nname = "/etc/debian" + "_version" if len(sys.argv) < 9 else ""\nprint(open(name).read().strip() != "")\n', 0o755);
    const { stderr } = build(['--exe', script], 3);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^slimts: verify: `\/usr\/local\/bin\/reads\.py` answers differently in the image .*exit code 1 in the image, 0 on the host .*FileNotFoundError/);
  });

  it('a module the script imports that slimts cannot read: one line, exit 2, nothing written', () => {
    const sub = join(dir, 'secret');
    mkdirSync(sub, { recursive: true });
    chmodSync(sub, 0o777);
    const script = write('secret/main.py', '#!/usr/bin/python3\nimport hidden\n', 0o755);
    const hidden = write('secret/hidden.py', 'X = 1\n', 0o600);
    chownSync(hidden, 65534, 65534);
    const out = join(sub, 'out.tar');
    // root reads everything: slimts runs without the capabilities for that
    const argv = [...WITHOUT_READ_ALL, 'node', join(ROOT, 'bin/slimts.js'), 'imagebuild', '--exe', script, '--output', out];
    const r = spawnSync(argv[0]!, argv.slice(1), { input: '' });
    expect(r.status).toBe(2);
    expect(r.stderr.toString()).toMatch(/^slimts: .*hidden\.py.*cannot read: EACCES\n$/);
    expect(existsSync(out)).toBe(false);
  });

  it('an interpreter the host lacks: one line, exit 2, nothing loaded', () => {
    const script = write('bad/x.rb', '#!/usr/bin/ruby-not-installed\nputs 1\n', 0o755);
    const tag = `${uniqueName('slimts-ibi-bad')}:t`;
    const r = slimts(['imagebuild', '--exe', script, '--tag', tag]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^slimts: .*ruby-not-installed.*no such file\n$/);
    expect(docker(['image', 'inspect', tag], { allowFail: true }).status).not.toBe(0);
  });
});

describe('imagebuild of a TLS client (curl)', () => {
  let server: ChildProcess | undefined;
  let url = '';
  let ca = '';

  beforeAll(async () => {
    const ssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    ssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=slimts test CA']);
    ssl(['req', ...ec, '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=127.0.0.1']);
    write('san.ext', 'subjectAltName=IP:127.0.0.1\n');
    ssl(['x509', '-req', '-in', 'srv.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'srv.pem', '-days', '2', '-extfile', 'san.ext']);
    ca = join(dir, 'ca.pem');
    chmodSync(ca, 0o644);
    // its own process: the CLI runs synchronously below, and curl on the host must get answers meanwhile
    server = spawn(process.execPath, ['-e', `
      const https = require('node:https'); const fs = require('node:fs');
      const s = https.createServer({ key: fs.readFileSync('srv.key'), cert: fs.readFileSync('srv.pem') }, (q, r) => r.end('tls ok ' + q.url + '\\n'));
      s.listen(0, '127.0.0.1', () => console.log(s.address().port));`], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<string>((ok, fail) => {
      server!.stdout!.once('data', (b: Buffer) => ok(b.toString().trim()));
      server!.once('exit', (c) => fail(new Error(`test TLS server exited ${c}`)));
    });
    url = `https://127.0.0.1:${port}/hello`;
  });

  afterAll(() => {
    server?.kill();
  });

  it('answers over TLS like the host; the CA store is there and used', () => {
    // --verify with these arguments: the image fetches the URL as the host does, checked against the test CA
    const { tag, stderr } = build(['--exe', '/usr/bin/curl', '--path', ca, `--verify=-sS --cacert ${ca} ${url}`]);
    expect(stderr).toMatch(/verify: `\/usr\/local\/bin\/curl -sS --cacert .* answers in the image as on the host/);
    const ok = both(tag, ['/usr/bin/curl'], ['-sS', '--cacert', ca, url]);
    expect(ok.image).toEqual(ok.host);
    expect(ok.image.stdout).toBe('tls ok /hello\n');
    // Without --cacert curl checks the server against the system CA store: the store loads,
    // and (as on the host) it does not know the test CA: exit 60, not 77 (no store).
    const sys = both(tag, ['/usr/bin/curl'], ['-sS', url]);
    expect(sys.image).toEqual(sys.host);
    expect(sys.image.status).toBe(60);
    expect(fileInImage(tag, '/etc/ssl/certs/ca-certificates.crt')).toBe(true);
  });

  it('--no-certs leaves the CA store out', () => {
    const { tag } = build(['--exe', '/usr/bin/curl', '--path', ca, '--no-certs', `--verify=-sS --cacert ${ca} ${url}`]);
    expect(fileInImage(tag, '/etc/ssl/certs/ca-certificates.crt')).toBe(false);
    expect(fileInImage(tag, '/usr/lib/x86_64-linux-gnu/libssl.so.3')).toBe(true);
    // the system store is missing: curl cannot set it up (77), where the host gets to verify (60)
    const sys = both(tag, ['/usr/bin/curl'], ['-sS', url]);
    expect(sys.host.status).toBe(60);
    expect(sys.image.status).toBe(77);
  });
});
