// Trace parser and summary helpers, on literal text (no sensor, no Docker).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTrace, readTraceSet, unescapeField } from '../../src/trace/index.js';
import { execedPrograms, summarizeTrace } from './usage.js';
import { tempDir } from './helpers.js';

const T = [
  '#slimts-trace 1 mode=ptrace+seccomp pid=42 start=1700000000000',
  '1\t42\texecve\tx\t0\t/usr/bin/python3',
  '2\t42\tinterp\tx\t0\t/lib64/ld-linux-x86-64.so.2',
  '3\t42\tnewfstatat\ts\t0\t/usr/lib/python3.11/os.py',
  '4\t42\topenat\tr\tENOENT\t/etc/missing',
  '5\t43\trename\tw\t0\t/tmp/a\t/tmp/b',
  '6\t43\tsymlink\tw\t0\t/tmp/l\t../x',
  '7\t43\topenat\tr\t0\t/tmp/we\\tird\\nname\\\\\\x01',
  '8\t44\tchdir\td\t0\t/srv',
  '#end events=8 processes=3 dropped=0 exit=0 mode=ptrace+seccomp',
  '',
].join('\n');

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('parseTrace', () => {
  it('reads header, events and summary', () => {
    const t = parseTrace(T);
    expect(t.complete).toBe(true);
    expect(t.header).toEqual({ version: 1, mode: 'ptrace+seccomp', pid: 42, start: 1700000000000 });
    expect(t.summary).toEqual({ events: 8, processes: 3, dropped: 0, exit: 0, mode: 'ptrace+seccomp' });
    expect(t.events).toHaveLength(8);
    expect(t.events[0]).toEqual({ seq: 1, pid: 42, syscall: 'execve', intent: 'x', result: '0', path: '/usr/bin/python3' });
    expect(t.events[4]).toMatchObject({ path: '/tmp/a', path2: '/tmp/b' });
    expect(t.events[6]!.path).toBe('/tmp/we\tird\nname\\\x01');
  });

  it('marks a trace without #end incomplete and skips a torn last line', () => {
    const t = parseTrace(T.split('\n').slice(0, 5).join('\n') + '\n5\t43\tren');
    expect(t.complete).toBe(false);
    expect(t.summary).toBeUndefined();
    expect(t.events).toHaveLength(4);
  });

  it('unescapes UTF-8 byte escapes', () => {
    expect(unescapeField('/a\\xc3\\xa9')).toBe('/a\u00e9');
    expect(unescapeField('/plain/é')).toBe('/plain/é');
  });
});

describe('summaries', () => {
  it('groups paths by intent and lists exec’d programs', () => {
    const u = summarizeTrace(parseTrace(T).events);
    expect(u.executed).toEqual(['/lib64/ld-linux-x86-64.so.2', '/usr/bin/python3']);
    expect(u.probed).toEqual(['/usr/lib/python3.11/os.py']);
    expect(u.missing).toEqual(['/etc/missing']);
    expect(u.written).toEqual(['/tmp/a', '/tmp/b', '/tmp/l']);
    expect(u.dirs).toEqual(['/srv']);
    expect(u.all).not.toContain('../x');
    expect(execedPrograms(parseTrace(T).events)).toEqual(['/usr/bin/python3']);
  });
});

describe('readTraceSet', () => {
  it('merges .done parts, ignores .part, falls back to .tmp', () => {
    const d = join(tmp.dir, 'set');
    mkdirSync(d);
    const part = (pid: number, path: string, end = true) =>
      `#slimts-trace 1 mode=ptrace+seccomp pid=${pid} start=1\n1\t${pid}\topenat\tr\t0\t${path}\n` +
      (end ? `#end events=1 processes=1 dropped=0 exit=0 mode=ptrace+seccomp\n` : '');
    writeFileSync(join(d, 'trace.tmp'), part(1, '/main', false));
    let s = readTraceSet(join(d, 'trace'));
    expect(s.complete).toBe(false);
    expect(s.events.map((e) => e.path)).toEqual(['/main']);
    writeFileSync(join(d, 'trace'), part(1, '/main'));
    writeFileSync(join(d, 'trace.100.done'), part(100, '/p100'));
    writeFileSync(join(d, 'trace.20.done'), part(20, '/p20'));
    writeFileSync(join(d, 'trace.30.part'), part(30, '/p30', false));
    writeFileSync(join(d, 'trace2.5.done'), part(5, '/other'));
    s = readTraceSet(join(d, 'trace'));
    expect(s.complete).toBe(true);
    expect(s.parts).toHaveLength(2);
    expect(s.events.map((e) => e.path)).toEqual(['/main', '/p20', '/p100']);
  });
});
