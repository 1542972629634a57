// Latent paths (samples/latent/*): each image is slimmed with DEFAULT flags, then exercised on
// paths the default probes never reach (unlinked routes, other subcommands run as their own
// containers, SQL over a non-HTTP port). The slim image must answer exactly like the original.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, uniqueName } from '../helpers/docker.js';
import { buildLatent, compareRoutes, configOf, ensureCli, slim, type Slimmed } from './e2e.js';

const made: Slimmed[] = [];
beforeAll(() => ensureCli());
afterAll(() => made.forEach((s) => s.cleanup()));

const slimmed = new Map<string, Slimmed>();
/** Slims image once per run (the ruby image serves two tests) with default flags; it must verify. */
function slimOk(image: string): Slimmed {
  const done = slimmed.get(image);
  if (done) return done;
  const s = slim(image);
  made.push(s);
  expect(s.status, s.stderr + s.stdout).toBe(0);
  expect(s.report!.verify.ok).toBe(true);
  expect(configOf(s.tag)).toEqual(configOf(image));
  slimmed.set(image, s);
  return s;
}

function runOnce(ref: string, args: string[]) {
  const r = docker(['run', '--rm', ref, ...args], { allowFail: true });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('latent paths: unprobed code paths of a slim image answer like the original', () => {
  it('python: imports inside handlers (C extensions, a local package), codecs by name, zoneinfo, the CA store, a data file', async () => {
    const image = buildLatent('pyweb');
    const s = slimOk(image);
    const paths = ['/money', '/table', '/db', '/codec', '/tz', '/tls', '/data', '/report'];
    const { original, differ } = await compareRoutes(image, s.tag, 8080, paths);
    for (const p of paths) expect(original.get(p)!.status, p).toBe(200);
    // the original really did the work the slim one is held to
    expect(JSON.parse(original.get('/money')!.body)).toEqual({ c_impl: true, total: '25.10' });
    expect(JSON.parse(original.get('/tls')!.body).stats.x509_ca).toBeGreaterThan(100);
    expect(JSON.parse(original.get('/tz')!.body)['Pacific/Auckland']).toBe('2024-07-02T00:00:00+12:00');
    expect(differ).toEqual([]);
  });

  it('node: a lazily required local module and Debian package, ICU time zones, TLS on the system CA store', async () => {
    const image = buildLatent('nodeweb');
    const s = slimOk(image);
    const paths = ['/versions', '/intl', '/tls', '/gzip'];
    const { original, differ } = await compareRoutes(image, s.tag, 3000, paths);
    for (const p of paths) expect(original.get(p)!.status, p).toBe(200);
    expect(JSON.parse(original.get('/versions')!.body).sorted).toEqual(['1.2.3', '2.0.0-rc.1', '2.0.0', '10.0.0']);
    expect(JSON.parse(original.get('/tls')!.body).systemCAs).toBeGreaterThan(100);
    expect(differ).toEqual([]);
  });

  it('ruby: lazy requires (bigdecimal, json C extensions, csv), transcoding to non-UTF charsets, a time zone', async () => {
    const image = buildLatent('rubyshell');
    const s = slimOk(image);
    const paths = ['/money', '/csv', '/json', '/encode', '/digest', '/time'];
    const { original, differ } = await compareRoutes(image, s.tag, 4567, paths);
    for (const p of paths) expect(original.get(p)!.status, p).toBe(200);
    expect(original.get('/encode')!.body).toContain('IBM037 c799dc5985');
    expect(original.get('/time')!.body).toBe('2024-07-01 07:00 -0500 -05');
    expect(differ).toEqual([]);
  });

  it('an entrypoint script: subcommands never traced (perl with modules, php includes, iconv to EBCDIC, gzip, awk, a sourced file)', () => {
    const image = buildLatent('rubyshell');
    const s = slimOk(image);
    const failures: string[] = [];
    for (const sub of ['report', 'export']) {
      const a = runOnce(image, [sub]);
      const b = runOnce(s.tag, [sub]);
      expect(a.status, `${sub} on the original: ${a.stderr}`).toBe(0);
      if (b.status !== a.status || b.stdout !== a.stdout) failures.push(`${sub}: exit ${b.status}, stdout ${JSON.stringify(b.stdout)}, stderr ${JSON.stringify(b.stderr.slice(0, 400))}`);
    }
    expect(runOnce(image, ['report']).stdout).toContain('north    135.75');
    expect(runOnce(image, ['export']).stdout).toContain('export 2024-07-01 21:00 JST');
    expect(failures).toEqual([]);
  });

  it('postgresql: a zone other than the server\'s, locale-aware to_char, conversions to LATIN1 and EUC_JP (psql over the slim container\'s network)', () => {
    const image = buildLatent('pgtz');
    const s = slimOk(image);
    const queries = [
      "SET TIME ZONE 'America/Argentina/Buenos_Aires'; SELECT timestamptz '2024-07-01 12:00:00+00'",
      "SELECT (timestamptz '2024-07-01 12:00:00+00') AT TIME ZONE 'Asia/Kathmandu'",
      "SELECT now() AT TIME ZONE 'Pacific/Chatham' IS NOT NULL, current_setting('TimeZone')",
      "SELECT to_char(date '2024-07-01', 'TMDay, DD. TMMonth YYYY')",
      "SELECT encode(convert_to('Grüße', 'LATIN1'), 'hex'), encode(convert_to('日本', 'EUC_JP'), 'hex')",
      "SELECT upper('straße'), lower('ÄÖÜ')",
      'SELECT 1/0',
    ];
    // psql of the ORIGINAL image, in the server container's network namespace: waits for the
    // server, then runs each query on its own (stdout and stderr in order), "@@" after each
    const client = `until pg_isready -q -h 127.0.0.1 -U postgres; do n=$((n+1)); [ $n -lt 240 ] || { echo never ready; exit 3; }; sleep 0.25; done
for q; do psql -h 127.0.0.1 -U postgres -At -c "$q" 2>&1; echo @@; done`;
    // both servers start (initdb, then postgres) side by side; each is then asked the same
    const servers = [image, s.tag].map((ref) => {
      const name = uniqueName('slimts-e2e-pg');
      docker(['run', '-d', '--name', name, ref]);
      return { ref, name };
    });
    const ask = () => servers.map(({ ref, name }) => {
      const r = docker(['run', '--rm', '--network', `container:${name}`, '--entrypoint', 'sh', image, '-c', `n=0; ${client}`, 'client', ...queries], { allowFail: true });
      if (r.status !== 0) throw new Error(`${ref}: no answers (${r.status}): ${r.stdout}${r.stderr}\nserver log:\n${docker(['logs', name], { allowFail: true }).stderr}`);
      return r.stdout.split('@@\n').slice(0, queries.length).map((x) => x.trim());
    });
    let answers: string[][];
    try {
      answers = ask();
    } finally {
      for (const { name } of servers) docker(['rm', '-f', '-v', name], { allowFail: true });
    }
    const [a, b] = answers as [string[], string[]];
    expect(a[0]).toBe('SET\n2024-07-01 09:00:00-03');
    expect(a[3]).toBe('Montag, 01. Juli 2024');
    expect(a[4]).toBe('4772fcdf65|c6fccbdc');
    expect(a[6]).toMatch(/Division durch Null/);
    const differ = queries.flatMap((q, i) => (a[i] === b[i] ? [] : [`${q}: original ${JSON.stringify(a[i])}, slim ${JSON.stringify(b[i])}`]));
    expect(differ).toEqual([]);
  });

  it('jvm: tzdb.dat zones, the default SSLContext and cacerts, jdk.charsets, java.util.zip natives, java.util.logging config', async () => {
    const image = buildLatent('jvmweb');
    const s = slimOk(image);
    const paths = ['/zones', '/tls', '/charsets', '/zip', '/log'];
    const { original, differ } = await compareRoutes(image, s.tag, 8090, paths);
    for (const p of paths) expect(original.get(p)!.status, p).toBe(200);
    expect(original.get('/zones')!.body).toContain('Asia/Kathmandu 2024-07-01T17:45+05:45');
    expect(original.get('/tls')!.body).toMatch(/trusted \d{3}/);
    expect(differ).toEqual([]);
  });
});
