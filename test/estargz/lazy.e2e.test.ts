// eStargz output on real lazy pullers: slimts pushes to Debian's docker-registry on loopback,
// Debian's containerd with the stargz snapshotter (built from Debian's Go sources) rpulls it
// lazily — the layer is mounted over FUSE from the registry, not downloaded and unpacked —
// and runs it with ctr; the same images also pull and run in Docker, which knows nothing of
// eStargz (the layer is plain gzip to it).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, slimts, uniqueName } from '../helpers/docker.js';
import { startLazyStack, type LazyStack } from '../helpers/lazy.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { ensureStargzTools, verifyEstargz } from '../helpers/stargz.js';
import { buildHello } from '../oci/fixtures.js';
import { buildSample, ensureCli } from '../slim/e2e.js';
import { schemaFromMarkdown, validate } from '../slim/schema-check.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let registry: TestRegistry;
let stack: LazyStack | undefined;
let work: string;
let verifier: string;
const pulled: string[] = [];

beforeAll(async () => {
  ensureCli();
  verifier = ensureStargzTools().verify;
  work = mkdtempSync(join(tmpdir(), 'slimts-lazy-e2e-'));
  registry = await startRegistry();
  stack = await startLazyStack();
});

afterAll(async () => {
  await stack?.stop();
  for (const t of pulled) docker(['rmi', '-f', t], { allowFail: true });
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
});

interface Layer { mediaType: string; digest: string; size: number; annotations?: Record<string, string> }

/** The pushed manifest's last layer, and its blob saved to a file, straight from the registry. */
async function pushedLayer(ref: string): Promise<{ layer: Layer; file: string }> {
  const [, name, tag] = /^[^/]+\/(.+):([^:/]+)$/.exec(ref)!;
  const base = `http://${registry.host}/v2/${name}`;
  const m = await fetch(`${base}/manifests/${tag}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
  expect(m.status).toBe(200);
  const layer = ((await m.json()) as { layers: Layer[] }).layers.at(-1)!;
  const blob = Buffer.from(await (await fetch(`${base}/blobs/${layer.digest}`)).arrayBuffer());
  const file = join(work, layer.digest.slice(7));
  writeFileSync(file, blob);
  return { layer, file };
}

/** An HTTP GET from inside the task's network namespace (the task publishes no ports). */
function getInside(pid: number, path: string): { status: number; body: string } {
  const script = `fetch('http://127.0.0.1:80${path}').then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, body: await r.text() })), () => process.exit(7))`;
  for (let i = 0; i < 100; i++) {
    const r = spawnSync('nsenter', ['-t', String(pid), '-n', process.execPath, '-e', script], { encoding: 'utf8' });
    if (r.status === 0) return JSON.parse(r.stdout) as { status: number; body: string };
    spawnSync('sleep', ['0.2']);
  }
  throw new Error(`nothing answered on port 80 in the task's namespace (${path})`);
}

describe('eStargz images on the stargz snapshotter', () => {
  it('imagebuild --format estargz --push: rpulled lazily, runs under ctr; pulls and runs in Docker', async () => {
    const hello = buildHello(work, 'hello, lazily');
    const ref = `${registry.host}/slimts/${uniqueName('hello')}:es`;
    const r = slimts(['imagebuild', '--exe', hello, '--format', 'estargz', '--push', ref]);
    expect(r.status, r.stderr).toBe(0);
    const { layer, file } = await pushedLayer(ref);
    expect(layer.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+gzip');
    const v = verifyEstargz(verifier, file, layer.annotations!['containerd.io/snapshot/stargz/toc.digest']);
    expect(v.prefetch).toEqual(['/usr/local/bin/hello']);

    stack!.rpull(ref);
    expect(stack!.lazilyMounted(layer.digest), 'the snapshotter mounted the layer remotely').toBe(true);
    expect(stack!.runOnce(ref, uniqueName('hello'), 'stargz')).toBe('hello, lazily\n');

    docker(['pull', '-q', ref]);
    pulled.push(ref);
    expect(docker(['run', '--rm', ref]).stdout).toBe('hello, lazily\n');
  });

  it('build --format estargz --push: the slim nginx, prefetch in first-access order, answers through the snapshotter', async () => {
    const image = buildSample('nginx');
    const ref = `${registry.host}/slimts/${uniqueName('nginx')}.slim:es`;
    const r = slimts(['build', image, '--format', 'estargz', '--push', ref, '--report', join(work, 'report.json')]);
    // verify loaded this very image into Docker and got the original's answers
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('the slim image answers like the original');

    const { layer, file } = await pushedLayer(ref);
    const v = verifyEstargz(verifier, file, layer.annotations!['containerd.io/snapshot/stargz/toc.digest']);
    expect(v.noPrefetch).toBe(false);
    // the app's first reads lead: the executable, then the loader it names (through /lib64)
    expect(v.prefetch[0]).toBe('/usr/sbin/nginx');
    expect(v.prefetch[1]).toMatch(/^\/usr\/lib\/x86_64-linux-gnu\/ld-linux-x86-64\.so\.2$/);
    expect(v.prefetch).toContain('/var/www/html/index.html');
    expect(v.prefetch).toContain('/etc/nginx/nginx.conf');
    expect(Number(layer.annotations!['io.containers.estargz.uncompressed-size'])).toBe(v.uncompressedSize);
    // the report names the format, the TOC and what comes before the landmark, by the schema
    const report = JSON.parse(readFileSync(join(work, 'report.json'), 'utf8'));
    expect(validate(schemaFromMarkdown(join(ROOT, 'src/slim/SCHEMA.md')), report)).toEqual([]);
    expect(report.output.format).toBe('estargz');
    expect(report.output.estargz.tocDigest).toBe(layer.annotations!['containerd.io/snapshot/stargz/toc.digest']);
    expect(report.output.estargz.prefetchFiles).toBe(v.prefetch.length);
    expect(report.output.estargz.prefetchBytes).toBe(v.prefetchLandmark);
    expect(report.output.estargz.prefetchEntries).toBeGreaterThan(v.prefetch.length); // their dirs and links too
    expect(r.stdout).toContain(`eStargz: ${v.prefetch.length} files read at start-up prefetched first`);

    stack!.rpull(ref);
    expect(stack!.lazilyMounted(layer.digest)).toBe(true);
    const id = uniqueName('nginx');
    const pid = stack!.start(ref, id, 'stargz');
    try {
      const home = getInside(pid, '/');
      expect(home.status).toBe(200);
      expect(home.body).toContain('<html');
      // paths the probes never asked for still get nginx's answers
      expect(getInside(pid, '/style.css').status).toBe(200);
      expect(getInside(pid, '/no/such/page').status).toBe(404);
    } finally {
      stack!.kill(id);
    }
  });
});
