// The observation reader and merge, without an engine: hostile and broken files, the lines
// schema of src/slim/OBSERVATIONS.md, and how observed reasons replace traced ones.
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/docker.js';
import { cleanPath, parseObservation, readObservation } from '../../src/trace/observation.js';
import { labelObserved, loadObservations } from '../../src/slim/observations.js';
import { schemaFromMarkdown, validate } from '../slim/schema-check.js';
import type { KeepSet } from '../../src/select/index.js';
import type { FsEntry } from '../../src/image/types.js';

const IMG = `sha256:${'c1'.repeat(32)}`;
const head = (image = IMG) => `#slimts-trace 1 mode=ptrace+seccomp-nnp pid=7 start=1700000000000\n#observation 1\timage=${image}\thost=web-1\n`;
const dir = mkdtempSync(join(tmpdir(), 'slimts-obs-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const put = (name: string, text: string | Buffer) => { const p = join(dir, name); writeFileSync(p, text); return p; };

describe('readObservation', () => {
  it('reads a whole file, each distinct event once', () => {
    const o = parseObservation(`${head()}1\t7\topenat\tr\t0\t/app/a.py\n2\t7\topenat\tr\t0\t/app/a.py\n3\t7\tnewfstatat\ts\tENOENT\t/app/b\n#end events=3 processes=1 dropped=0 exit=0 mode=ptrace+seccomp-nnp\n`);
    expect(o).toMatchObject({ image: IMG, host: 'web-1', complete: true, rejected: 0, dropped: 0 });
    expect(o.events.map((e) => e.path)).toEqual(['/app/a.py', '/app/b']);
  });

  it('a truncated file: complete false, the torn last line ignored', () => {
    const o = parseObservation(`${head()}1\t7\topenat\tr\t0\t/app/a.py\n2\t7\topenat\tr\t0\t/app/b.p`);
    expect(o.complete).toBe(false);
    expect(o.events.map((e) => e.path)).toEqual(['/app/a.py']);
  });

  it('refuses paths the sensor never writes: relative, `..`, `.`, empty segments, too long', () => {
    for (const p of ['etc/passwd', '/app/../etc/shadow', '/./x', '/a//b', '/x/..', `/${'a'.repeat(5000)}`]) expect(cleanPath(p), p).toBeUndefined();
    const o = parseObservation(`${head()}1\t7\topenat\tr\t0\t/app/../etc/shadow\n2\t7\topenat\tr\t0\trel\n3\t7\trenameat\tw\t0\t/a\t/../b\n4\t7\topenat\tr\t0\t/ok\n`);
    expect(o.rejected).toBe(3);
    expect(o.events.map((e) => e.path)).toEqual(['/ok']);
  });

  it('says what is wrong with files that are not observations', () => {
    expect(() => readObservation(put('empty.slimobs', ''))).toThrow(/empty file/);
    expect(() => readObservation(put('trace.slimobs', '#slimts-trace 1 mode=ptrace pid=1 start=1\n1\t1\topenat\tr\t0\t/x\n'))).toThrow(/a build trace/);
    expect(() => readObservation(put('v2.slimobs', `#slimts-trace 1 mode=ptrace pid=1 start=1\n#observation 2\timage=${IMG}\thost=h\n`))).toThrow(/version 2/);
    expect(() => readObservation(put('bin.slimobs', Buffer.from([0, 255, 10, 1, 10])))).toThrow(/not an observation/);
    const huge = join(dir, 'huge.slimobs');
    const fd = openSync(huge, 'w');
    ftruncateSync(fd, 1 << 30); // sparse
    closeSync(fd);
    expect(() => readObservation(huge)).toThrow(/1073741824 bytes, more than/);
    symlinkSync('/etc/passwd', join(dir, 'link.slimobs'));
    expect(() => readObservation(join(dir, 'link.slimobs'))).toThrow(/cannot open: ELOOP/);
    execFileSync('mkfifo', [join(dir, 'fifo.slimobs')]);
    expect(() => readObservation(join(dir, 'fifo.slimobs'))).toThrow(/not a regular file/); // and no hang
    // one endless line: dropped whole without holding it
    const long = put('long.slimobs', `${head()}1\t7\topenat\tr\t0\t/${'x'.repeat(3 << 20)}\n2\t7\topenat\tr\t0\t/ok\n`);
    expect(readObservation(long)).toMatchObject({ rejected: 1, events: [expect.objectContaining({ path: '/ok' })] });
  });
});

describe('loadObservations', () => {
  it('skips what is unusable with a warning, refuses another image\'s files', () => {
    const d = mkdtempSync(join(dir, 'set-'));
    writeFileSync(join(d, 'a.slimobs'), `${head()}1\t7\topenat\tr\t0\t/app/a.py\n`);
    writeFileSync(join(d, 'b.slimobs'), `${head()}1\t7\topenat\tr\t0\t/app/a.py\n2\t7\texecve\tx\t0\t/bin/date\n#end events=2 processes=1 dropped=4 exit=0 mode=ptrace\n`);
    writeFileSync(join(d, 'junk.slimobs'), 'hello\n');
    writeFileSync(join(d, 'notes.txt'), 'not read');
    const got = loadObservations([d], IMG);
    expect(got.runs.map((r) => r.file.slice(d.length + 1))).toEqual(['a.slimobs', 'b.slimobs']);
    expect(got.seenBy.get('/app/a.py')).toHaveLength(2);
    expect(got.warnings.join('\n')).toMatch(/a\.slimobs: incomplete/);
    expect(got.warnings.join('\n')).toMatch(/b\.slimobs: the sensor reached the file's bound and did not record 4 events/);
    expect(got.warnings.join('\n')).toMatch(/junk\.slimobs: skipped: not an observation/);
    writeFileSync(join(d, 'c.slimobs'), `${head(`sha256:${'ab'.repeat(32)}`)}`);
    expect(() => loadObservations([d], IMG)).toThrow(/c\.slimobs: recorded from image sha256:abab/);
    expect(() => loadObservations([join(d, 'junk.slimobs')], IMG)).toThrow(/no usable observation file/);
    expect(() => loadObservations([join(d, 'nope')], IMG)).toThrow(/no such file/);
  });

  it('labels observed paths: observed only where the build\'s own run did not touch them', () => {
    const entry = (path: string) => ({ path, type: 'file', mode: 0o644, uid: 0, gid: 0, size: 1, mtime: 0, layer: 0 }) as unknown as FsEntry;
    const keep: KeepSet = new Map([
      ['/a', { entry: entry('/a'), reasons: [{ kind: 'traced', detail: 'open', of: '/a' }] }],
      ['/b', { entry: entry('/b'), reasons: [{ kind: 'traced', detail: 'open', of: '/b' }] }],
      ['/c', { entry: entry('/c'), reasons: [{ kind: 'parent', of: '/c/x' }] }],
    ]);
    const n = labelObserved(keep, [{ syscall: 'openat', intent: 'r', result: '0', path: '/a' }], {
      seenBy: new Map([['/a', ['/o/1.slimobs']], ['/b', ['/o/1.slimobs', '/o/2.slimobs']]]), runs: [{}, {}] as never,
    });
    expect(n).toBe(1);
    expect(keep.get('/a')!.reasons.map((r) => r.kind)).toEqual(['traced', 'observed']);
    expect(keep.get('/b')!.reasons).toEqual([{ kind: 'observed', of: '/b', detail: 'open of /b in 2 of 2 runs (1.slimobs, 2.slimobs)' }]);
    expect(keep.get('/c')!.reasons.map((r) => r.kind)).toEqual(['parent']);
  });
});

describe('the lines schema of OBSERVATIONS.md', () => {
  const schema = schemaFromMarkdown(join(ROOT, 'src/slim/OBSERVATIONS.md'));
  it('accepts what the sensor writes and refuses a climbing path', () => {
    const text = `${head()}1\t7\topenat\tr\t0\t/app/a.py\n2\t7\tsymlinkat\tw\t0\t/l\t../t\n#end events=2 processes=1 dropped=0 exit=0 mode=ptrace+seccomp-nnp\n`;
    expect(validate(schema, text.split('\n').slice(0, -1))).toEqual([]);
    expect(validate(schema, ['1\t7\topenat\tr\t0\trelative'])).not.toEqual([]);
  });
  it('a real file from the sensor validates', () => {
    const out = mkdtempSync(join(dir, 'real-'));
    execFileSync(join(ROOT, 'sensors/build/slimts-sensor'), ['--observe', out, '--image', IMG, '--', 'sh', '-c', 'cat /etc/hostname; ls / >/dev/null'], { stdio: 'ignore' });
    const [file] = execFileSync('ls', [out]).toString().trim().split('\n');
    const o = readObservation(join(out, file!));
    expect(o).toMatchObject({ image: IMG, complete: true, rejected: 0 });
    const lines = execFileSync('cat', [join(out, file!)]).toString().split('\n').slice(0, -1);
    expect(validate(schema, lines)).toEqual([]);
  });
});

describe('the instrumented config', () => {
  it('wraps the entrypoint, keeps CMD and everything else verbatim', async () => {
    const { instrumentedConfig, wrappedEntrypoint, defaultInstrumentedTag } = await import('../../src/instrument/index.js');
    const cfg = {
      architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00Z', rootfs: { type: 'layers' as const, diff_ids: [] },
      config: { User: 'app', Env: ['A=1'], Entrypoint: ['/entry.sh'], Cmd: ['serve'], Healthcheck: { Test: ['CMD', 'true'] }, StopSignal: 'SIGQUIT', Labels: { a: 'b' } },
    };
    const ep = wrappedEntrypoint({ config: cfg, configDigest: IMG }, '/obs', 1 << 20, 'all');
    expect(ep).toEqual(['/.slimts-observe/slimts-sensor', '--observe', '/obs', '--image', IMG, '--max-bytes', '1048576', '--cpus', 'all', '--preload', '/.slimts-observe/slimts-preload.so', '--', '/entry.sh']);
    const out = instrumentedConfig(cfg, ep);
    expect(out).toEqual({ ...cfg, config: { ...cfg.config, Entrypoint: ep } });
    expect(cfg.config.Entrypoint).toEqual(['/entry.sh']); // the input is not changed
    expect(defaultInstrumentedTag('reg:5000/app:1.4')).toBe('reg:5000/app.instrumented:1.4');
    expect(defaultInstrumentedTag('app')).toBe('app.instrumented:latest');
    expect(defaultInstrumentedTag('oci-archive:app.tar')).toBe('slimts-instrumented:latest');
  });
});
