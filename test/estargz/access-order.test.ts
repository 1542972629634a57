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
    expect(firstAccessOrder(parseTrace(trace).events)).toEqual([
      '/usr/sbin/nginx', '/lib64/ld-linux-x86-64.so.2', '/etc/ld.so.cache', '/etc/nginx/nginx.conf', '/var/www/html/index.html',
    ]);
  });
});
