// firstAccessOrder: what the eStargz prefetch range is made of, from a real trace's text.
import { describe, expect, test } from 'vitest';
import { firstAccessOrder, parseTrace } from '../../src/trace/index.js';

const trace = [
  '#slimts-trace 1 mode=ptrace+seccomp pid=1 start=0',
  '1\t1\texecve\tx\tENOENT\t/usr/local/sbin/nginx',
  '2\t1\texecve\tx\t0\t/usr/sbin/nginx',
  '3\t1\tinterp\tx\t0\t/lib64/ld-linux-x86-64.so.2',
  '4\t1\topenat\tr\t0\t/etc/ld.so.cache',
  '5\t1\tnewfstatat\ts\t0\t/etc/nginx',
  '6\t1\topenat\tr\t0\t/etc/nginx/nginx.conf',
  '7\t1\topenat\tw\t0\t/run/nginx.pid',
  '8\t2\topenat\tr\t0\t/etc/ld.so.cache',
  '9\t2\topenat\tr\t0\t/var/www/html/index.html',
  '#end events=9 processes=2 dropped=0 exit=0 mode=ptrace+seccomp',
].join('\n');

describe('firstAccessOrder', () => {
  test('successful reads and execs, each at its first access; failures, stats and writes left out', () => {
    expect(firstAccessOrder(parseTrace(trace).events)).toEqual({
      startup: ['/usr/sbin/nginx', '/lib64/ld-linux-x86-64.so.2', '/etc/ld.so.cache', '/etc/nginx/nginx.conf', '/var/www/html/index.html'],
      later: [],
    });
  });

  test('the #answered line splits start-up from what the probes made the app read later', () => {
    const marked = trace.replace('8\t2\t', '#answered 7\n8\t2\t');
    const t = parseTrace(marked);
    expect(t.answeredAfter).toBe(7);
    const startup = t.events.filter((e) => e.seq <= t.answeredAfter!).length;
    expect(firstAccessOrder(t.events, startup)).toEqual({
      // ld.so.cache was read again later: it stays where it was first read
      startup: ['/usr/sbin/nginx', '/lib64/ld-linux-x86-64.so.2', '/etc/ld.so.cache', '/etc/nginx/nginx.conf'],
      later: ['/var/www/html/index.html'],
    });
    // only the first mark counts
    expect(parseTrace(marked.replace('#end', '#answered 9\n#end')).answeredAfter).toBe(7);
  });
});
