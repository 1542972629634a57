// The app's stores without Docker: directories of state kept whole because the run wrote in them,
// the config names them, they are VOLUMEs, or the app directory's own data the run read in.
import { describe, expect, it } from 'vitest';
import { appStores, homeOf, storeCandidate, type StoreInput } from '../../src/select/stores.js';
import { select, formatReason } from '../../src/select/index.js';
import type { TraceLike } from '../../src/select/index.js';
import { memIndex, memRead, type Spec } from './memindex.js';

const dirs = new Set(['/var/lib/pgdata', '/var/lib/pgdata/global', '/srv/data', '/opt/java', '/repo', '/repo/.git', '/repo/.git/objects', '/tmp', '/etc', '/etc/nginx', '/var/log/app', '/usr/lib/python3.11/__pycache__', '/home/app', '/keys']);
const input = (o: Partial<StoreInput>): StoreInput => ({ events: [], entrypoint: [], cmd: [], env: [], volumes: [], isDir: (p) => dirs.has(p), ...o });
const w = (path: string) => ({ path, intent: 'w', ok: true });

describe('which directories are the app\'s stores', () => {
  it('where the run wrote: the nearest directory that exists (a file created there, or the directory itself)', () => {
    expect(appStores(input({ events: [w('/var/lib/pgdata/postmaster.pid'), w('/var/lib/pgdata/global/pg_internal.init'), w('/srv/data/new/x.db')] })).map((s) => [s.dir, s.dataOnly]))
      .toEqual([['/var/lib/pgdata', false], ['/var/lib/pgdata/global', false], ['/srv/data', false]]);
  });
  it('never the system\'s trees, scratch, caches, logs, nor a top-level directory itself', () => {
    const events = ['/tmp/x', '/etc/hosts', '/var/log/app/a.log', '/usr/lib/python3.11/__pycache__/os.cpython-311.pyc', '/root/.bash_history', '/dev/null'].map(w);
    expect(appStores(input({ events }))).toEqual([]);
    for (const d of ['/', '/etc', '/srv', '/home', '/opt', '/var/lib', '/usr/local/bin', '/var/cache/app', '/run/app', '/app/.cache']) expect(storeCandidate(d), d).toBe(false);
    for (const d of ['/srv/data', '/data', '/var/lib/postgresql/15/main', '/etc/nginx/conf.d', '/home/app', '/root/.gnupg']) expect(storeCandidate(d), d).toBe(true);
  });
  it('what the config names: an Entrypoint/Cmd argument or option value, an Env value (data only), a VOLUME (whole)', () => {
    const s = appStores(input({ cmd: ['postgres', '-D', '/var/lib/pgdata'], entrypoint: ['tool', '--data=/srv/data'], env: ['JAVA_HOME=/opt/java', 'PATH=/usr/bin:/bin', 'GNUPGHOME=/keys'], volumes: ['/home/app'] }));
    expect(s.map((x) => [x.dir, x.why, x.dataOnly])).toEqual([
      ['/srv/data', 'Entrypoint argument --data=/srv/data', true], ['/var/lib/pgdata', 'Cmd argument -D /var/lib/pgdata', true],
      ['/opt/java', 'Env JAVA_HOME=/opt/java', true], ['/keys', 'Env GNUPGHOME=/keys', true], ['/home/app', 'VOLUME /home/app', false],
    ]);
  });
  it('the home of the image\'s USER, by name or uid; never root\'s', () => {
    const passwd = 'root:x:0:0:root:/root:/bin/bash\napp:x:1000:1000::/home/app:/bin/sh\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n';
    expect([homeOf(passwd, 'app'), homeOf(passwd, '1000:1000'), homeOf(passwd, 'root'), homeOf(passwd, 'ghost')]).toEqual(['/home/app', '/home/app', undefined, undefined]);
    expect(appStores(input({ home: '/home/app' })).map((s) => [s.dir, s.why])).toEqual([['/home/app', "the home of the image's USER"]]);
  });
  it('a repository\'s own directory once the run read in it, wherever it is', () => {
    expect(appStores(input({ events: [{ path: '/repo/.git/objects/c9/8a', intent: 'r', ok: true }] })).map((s) => [s.dir, s.why])).toEqual([['/repo/.git', 'the run read the repository /repo/.git']]);
    expect(appStores(input({ events: [{ path: '/repo/a.txt', intent: 'r', ok: true }] }))).toEqual([]);
  });
});

describe('select keeps a store whole', () => {
  const X = 0o755;
  const base: Spec[] = ['/etc/passwd', '/etc/group', { path: '/usr/bin/postgres', mode: X }];
  const run = (specs: Spec[], trace: TraceLike[], config: Record<string, unknown> = {}) => {
    const index = memIndex([...base, ...specs]);
    return select({
      index, trace, facts: () => ({}), read: memRead(index), refs: () => undefined,
      config: { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: { Env: ['PATH=/usr/bin'], ...config } },
    });
  };
  const pgdata: Spec[] = ['/var/lib/pgdata/PG_VERSION', '/var/lib/pgdata/global/1260', '/var/lib/pgdata/global/1262', '/var/lib/pgdata/base/1/PG_VERSION', '/var/lib/pgdata/base/1/pg_filenode.map'];
  it('a database\'s data directory: the run wrote its pid file at the top and read one table; template1 (base/1), never opened, stays', () => {
    const s = run(pgdata, [
      { syscall: 'openat', intent: 'w', result: '0', path: '/var/lib/pgdata/postmaster.pid' },
      { syscall: 'openat', intent: 'r', result: '0', path: '/var/lib/pgdata/global/1262' },
    ]);
    expect(s.keep.has('/var/lib/pgdata/base/1/pg_filenode.map')).toBe(true);
    expect(s.keep.get('/var/lib/pgdata/global/1260')!.reasons.map(formatReason)).toEqual(["the app's state in /var/lib/pgdata (the run wrote /var/lib/pgdata/postmaster.pid)"]);
  });
  it('an entrypoint\'s chown -R keeps nothing; a directory the config names that holds programs is found file by file', () => {
    const s = run([...pgdata, { path: '/opt/java/bin/java', mode: X }, '/opt/java/lib/modules'], [
      { syscall: 'chown', intent: 'w', result: '0', path: '/var/lib/pgdata/global' },
      { syscall: 'openat', intent: 'r', result: '0', path: '/var/lib/pgdata/global/1262' },
    ], { Env: ['PATH=/usr/bin', 'JAVA_HOME=/opt/java'] });
    expect(s.keep.has('/var/lib/pgdata/global/1260')).toBe(false);
    expect(s.keep.has('/opt/java/lib/modules')).toBe(false);
  });
  it('a store leaves out caches and installed dependencies (a home holding an app\'s node_modules)', () => {
    const s = run(['/home/app/.config/x.json', '/home/app/.npm/_cacache/big', '/home/app/svc/node_modules/dep/index.js', '/home/app/.cache/pip/wheel'],
      [{ syscall: 'openat', intent: 'w', result: '0', path: '/home/app/notes.txt' }]);
    expect(s.keep.has('/home/app/.config/x.json')).toBe(true);
    for (const p of ['/home/app/.npm/_cacache/big', '/home/app/svc/node_modules/dep/index.js', '/home/app/.cache/pip/wheel']) expect(s.keep.has(p), p).toBe(false);
  });
  it('a file the config names (an Env value, a Cmd option\'s value); the configuration in the home of the app\'s user', () => {
    const s = run(['/opt/corp/ca.pem', '/etc/app/app.conf', '/root/.netrc', '/root/.config/webapp/override.toml', '/root/.cache/pip/x', '/root/notes.txt', '/root/.npm/_cacache/y'], [],
      { Env: ['PATH=/usr/bin', 'REQUESTS_CA_BUNDLE=/opt/corp/ca.pem'], Cmd: ['/usr/bin/postgres', '--config=/etc/app/app.conf'] });
    expect(s.keep.get('/opt/corp/ca.pem')!.reasons.map(formatReason)).toEqual(["named by the image's config (Env REQUESTS_CA_BUNDLE=/opt/corp/ca.pem)"]);
    expect(s.keep.get('/etc/app/app.conf')!.reasons.map(formatReason)).toEqual(["named by the image's config (Cmd argument --config=/etc/app/app.conf)"]);
    expect(s.keep.get('/root/.netrc')!.reasons.map(formatReason)).toEqual(["configuration in the home of the app's user, /root"]);
    expect(s.keep.has('/root/.config/webapp/override.toml')).toBe(true);
    for (const p of ['/root/.cache/pip/x', '/root/notes.txt', '/root/.npm/_cacache/y']) expect(s.keep.has(p), p).toBe(false);
  });
  it('the directory the command line names, when it holds data', () => {
    const s = run(pgdata, [], { Cmd: ['/usr/bin/postgres', '-D', '/var/lib/pgdata'] });
    expect(s.keep.has('/var/lib/pgdata/base/1/PG_VERSION')).toBe(true);
  });
});
