// Slim images that scanners still read: a third-party scanner (cdxgen, run with no network at
// all) on real slim images of Debian samples finds exactly the packages whose files remain, with
// the original's versions; dpkg-query reads the trimmed database; --sbom and a push carry the SBOM.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, docker, ROOT, slimts, uniqueName } from '../helpers/docker.js';
import { startRegistry } from '../helpers/registry.js';
import { buildSample, ensureCli, slim, type Slimmed } from '../slim/e2e.js';
import { schemaFromMarkdown, validate } from '../slim/schema-check.js';

const CDXGEN = join(ROOT, 'test/tools/node_modules/.bin/cdxgen');
let work: string;

beforeAll(() => {
  ensureCli();
  if (!existsSync(CDXGEN)) throw new Error('cdxgen missing: bin/ensure-test-tools installs it (the test setup runs it)');
  work = mkdtempSync(join(tmpdir(), 'slimts-sbom-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The image's filesystem as `docker export` gives it, unpacked under `dir`. */
function exportFs(ref: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const name = uniqueName('slimts-sbom-export');
  docker(['create', '--name', name, ref, '/nonexistent']);
  try {
    execFileSync('sh', ['-c', `docker export ${name} | tar -x -C "${dir}" 2>/dev/null || true`]);
  } finally {
    docker(['rm', '-f', '-v', name], { allowFail: true });
  }
  return dir;
}

const dpkgQuery = (root: string, args: string[]) => {
  const r = spawnSync('dpkg-query', [`--admindir=${root}/var/lib/dpkg`, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

/** name → version of every installed package (dpkg-query's own reading). */
function installed(root: string): Map<string, string> {
  const r = dpkgQuery(root, ['-W', '-f', '${db:Status-Status}\t${Package}\t${Version}\n']);
  expect(r.status, r.stderr).toBe(0);
  return new Map(r.stdout.split('\n').filter((l) => l.startsWith('installed\t')).map((l) => l.split('\t').slice(1) as [string, string]));
}

/** lstat through the unpacked tree (relative links of parents resolve inside it). */
const lstatIn = (root: string, p: string) => { try { return lstatSync(join(root, p)); } catch { return undefined; } };
const isDirIn = (root: string, p: string) => { try { return statSync(join(root, p)).isDirectory(); } catch { return false; } };

/** What the test expects, from the original's database and the slim image's files alone. */
function packagesWithFilesLeft(orig: string, slimRoot: string): Map<string, number> {
  const left = new Map<string, number>();
  for (const name of installed(orig).keys()) {
    const r = dpkgQuery(orig, ['-L', name]);
    let n = 0;
    for (const p of r.stdout.split('\n').filter((l) => l.startsWith('/') && l !== '/.')) {
      if (!lstatIn(orig, p) || isDirIn(orig, p)) continue;
      if (lstatIn(slimRoot, p)) n++;
    }
    if (n > 0) left.set(name, n);
  }
  return left;
}

interface Component { name: string; version: string; purl?: string; properties?: Array<{ name: string; value: string }> }

/** cdxgen on an unpacked root filesystem, in a network namespace with no network: offline by construction. */
function cdxgen(root: string, out: string): Component[] {
  const r = spawnSync('unshare', ['-n', CDXGEN, '-t', 'rootfs', root, '-o', out, '--no-install-deps'], {
    encoding: 'utf8', env: { ...process.env, FETCH_LICENSE: 'false', CDXGEN_NO_BANNER: 'true' }, maxBuffer: 256 << 20, timeout: 300_000,
  });
  expect(r.status, r.stderr.slice(-2000)).toBe(0);
  const bom = JSON.parse(readFileSync(out, 'utf8')) as { components?: Component[] };
  // binary packages (trivy's PkgID); cdxgen also lists their source packages, which are not installed
  return (bom.components ?? []).filter((c) => c.purl?.startsWith('pkg:deb/') && c.properties?.some((p) => p.name === 'aquasecurity:trivy:PkgID'));
}

const sorted = (xs: Iterable<string>) => [...xs].sort();

describe.each(['nginx', 'flask'])('a scanner on the slim %s sample', (sample) => {
  let image: string;
  let s: Slimmed;
  let orig: string;
  let slimRoot: string;
  let expected: Map<string, number>;
  const sbomFile = () => join(work, `${sample}.cdx.json`);
  beforeAll(() => {
    image = buildSample(sample);
    s = slim(image, ['--sbom', sbomFile()]);
    expect(s.status, s.stderr + s.stdout).toBe(0);
    orig = exportFs(image, join(work, `${sample}-orig`));
    slimRoot = exportFs(s.tag, join(work, `${sample}-slim`));
    expected = packagesWithFilesLeft(orig, slimRoot);
  });
  afterAll(() => s?.cleanup());

  it('still works, and says packages before → after', () => {
    expect(s.report!.verify.ok).toBe(true);
    const p = s.report!.packages!;
    expect(p.db).toBe('dpkg');
    expect(p.before).toBe(installed(orig).size);
    expect(p.after).toBe(expected.size);
    expect(p.removed.length).toBe(p.before - p.after);
    expect(s.stdout).toContain(`packages: ${p.before} → ${p.after}`);
    expect(validate(schemaFromMarkdown(join(ROOT, 'src/slim/SCHEMA.md')), s.report)).toEqual([]);
  });

  it('cdxgen, offline, finds exactly the packages whose files remain, at the original versions', () => {
    const found = cdxgen(slimRoot, join(work, `${sample}.scan.json`));
    expect(expected.size).toBeGreaterThan(0);
    expect(sorted(new Set(found.map((c) => c.name)))).toEqual(sorted(expected.keys()));
    const versions = installed(orig);
    for (const c of found) expect(c.version, c.name).toBe(versions.get(c.name));
    // none of the packages the slim image lost a file of entirely
    const removed = s.report!.packages!.removed.map((r) => r.name);
    expect(removed.length).toBeGreaterThan(0);
    for (const name of removed) expect(found.map((c) => c.name)).not.toContain(name);
  });

  it('dpkg-query reads the trimmed database, and every path it lists is in the slim image', () => {
    expect(sorted(installed(slimRoot).keys())).toEqual(sorted(expected.keys()));
    for (const name of expected.keys()) {
      const r = dpkgQuery(slimRoot, ['-L', name]);
      expect(r.status, r.stderr).toBe(0);
      const paths = r.stdout.split('\n').filter((l) => l.startsWith('/') && l !== '/.');
      expect(paths.length, name).toBeGreaterThan(0);
      for (const p of paths) expect(lstatIn(slimRoot, p), `${name}: ${p}`).toBeDefined();
    }
  });

  it('--sbom writes a CycloneDX document of the same packages, with Debian purls and files kept', () => {
    const bom = JSON.parse(readFileSync(sbomFile(), 'utf8')) as { bomFormat: string; specVersion: string; components: Component[] };
    expect([bom.bomFormat, bom.specVersion]).toEqual(['CycloneDX', '1.5']);
    const versions = installed(orig);
    expect(sorted(bom.components.map((c) => c.name))).toEqual(sorted(expected.keys()));
    for (const c of bom.components) {
      expect(c.purl).toMatch(new RegExp(`^pkg:deb/debian/${c.name.replace(/[+.]/g, '\\$&')}@[^?]+\\?arch=(amd64|all|arm64)&distro=debian-12$`));
      expect(c.version).toBe(versions.get(c.name));
      expect(c.properties).toContainEqual({ name: 'slimts:files:kept', value: String(expected.get(c.name)) });
    }
    // CycloneDX's JSON schema and cdxgen's own purl/ref checks (--strict: either failing exits 2)
    const v = spawnSync('unshare', ['-n', join(ROOT, 'test/tools/node_modules/.bin/cdx-validate'), '-i', sbomFile(), '--strict', '--benchmark', 'scvs-l1', '--fail-severity', 'critical'], { encoding: 'utf8' });
    expect(v.status, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toMatch(/schemaValid=true\s+deepValid=true/);
  });

  it('xray lists the packages with the layer that brought them, and --diff compares the inventories', () => {
    const r = slimts(['xray', image, '--diff', s.tag, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const x = JSON.parse(r.stdout) as {
      layers: unknown[];
      packages: { db: string; count: number; packages: Array<{ name: string; version: string; layer: number | null }> };
      diff: { inventory: { image: number; other: number; onlyInImage: Array<{ name: string }>; onlyInOther: unknown[]; versionChanged: unknown[] } };
    };
    const versions = installed(orig);
    expect(x.packages.count).toBe(versions.size);
    for (const p of x.packages.packages) expect(p.version, p.name).toBe(versions.get(p.name));
    // the base's packages come with layer 0; the sample's own (its Dockerfile's apt-get) later
    expect(x.packages.packages.find((p) => p.name === 'base-files')!.layer).toBe(0);
    expect(x.packages.packages.find((p) => p.name === sample.replace('flask', 'python3-flask'))!.layer).toBeGreaterThan(0);
    const inv = x.diff.inventory;
    expect([inv.image, inv.other]).toEqual([versions.size, expected.size]);
    expect(sorted(inv.onlyInImage.map((p) => p.name))).toEqual(sorted(s.report!.packages!.removed.map((p) => p.name)));
    expect([inv.onlyInOther, inv.versionChanged]).toEqual([[], []]);
  });
});

describe('--no-package-db', () => {
  it('leaves the database out: the scanner sees no package (as every slim image did before)', () => {
    const image = buildSample('nginx');
    const s = slim(image, ['--no-package-db']);
    try {
      expect(s.status, s.stderr).toBe(0);
      expect(s.stdout).toContain('packages: no package database kept (--no-package-db)');
      const root = exportFs(s.tag, join(work, 'nodb-slim'));
      expect(existsSync(join(root, 'var/lib/dpkg/status'))).toBe(false);
      expect(cdxgen(root, join(work, 'nodb.scan.json'))).toEqual([]);
    } finally {
      s.cleanup();
    }
  });
});

describe('a corrupt package database', () => {
  it('does not fail the build; it is said once, and the slim image has no inventory', () => {
    const ctx = join(work, 'corrupt');
    mkdirSync(ctx, { recursive: true });
    writeFileSync(join(ctx, 'Dockerfile'), `FROM ${buildSample('nginx')}\nRUN printf '\\000\\001 not a database\\n' > /var/lib/dpkg/status\n`);
    const tag = `slimts-sbom-corrupt/${uniqueName('nginx')}:1`;
    buildImage(tag, ctx, { force: true });
    const s = slim(tag);
    try {
      expect(s.status, s.stderr).toBe(0);
      const said = (s.stdout + s.stderr).match(/dpkg package database is unreadable/g) ?? [];
      expect(said.length, s.stdout + s.stderr).toBe(2); // one progress warning, one summary line
      expect(s.stdout.match(/dpkg package database is unreadable/g)?.length).toBe(1);
      expect(s.report!.packages!.note).toMatch(/unreadable/);
      expect([s.report!.packages!.db, s.report!.packages!.after]).toEqual([null, 0]);
      expect(s.report!.kept.some((k) => k.path.startsWith('/var/lib/dpkg/'))).toBe(false);
      expect(s.report!.verify.ok).toBe(true);
    } finally {
      s.cleanup();
      docker(['rmi', '-f', tag], { allowFail: true });
    }
  });
});

describe('--push attaches the SBOM', () => {
  it('as an artifact manifest whose subject is the pushed image, found by the sha256-<hex>.sbom tag', async () => {
    const registry = await startRegistry();
    try {
      const image = buildSample('nginx');
      const repo = `slimts/${uniqueName('sbom')}`;
      const ref = `${registry.host}/${repo}:1`;
      const r = slimts(['build', image, '--push', ref, '--report', join(work, 'push.json')]);
      expect(r.status, r.stderr + r.stdout).toBe(0);
      const accept = 'application/vnd.oci.image.manifest.v1+json';
      const img = await fetch(`http://${registry.host}/v2/${repo}/manifests/1`, { headers: { Accept: accept } });
      const digest = img.headers.get('docker-content-digest')!;
      expect(digest).toMatch(/^sha256:/);
      const tag = `${digest.replace(':', '-')}.sbom`;
      expect(r.stdout).toContain(`SBOM attached: ${registry.host}/${repo}:${tag}`);
      const art = await fetch(`http://${registry.host}/v2/${repo}/manifests/${tag}`, { headers: { Accept: accept } });
      expect(art.status).toBe(200);
      const m = await art.json() as { artifactType: string; subject: { digest: string }; layers: Array<{ digest: string; mediaType: string }> };
      expect(m.artifactType).toBe('application/vnd.cyclonedx+json');
      expect(m.subject.digest).toBe(digest);
      const blob = await fetch(`http://${registry.host}/v2/${repo}/blobs/${m.layers[0].digest}`);
      const bom = await blob.json() as { bomFormat: string; components: Component[]; metadata: { component: { version: string } } };
      expect(bom.bomFormat).toBe('CycloneDX');
      expect(bom.components.length).toBeGreaterThan(0);
      expect(bom.metadata.component.version).toBe(digest);
    } finally {
      await registry.stop();
    }
  });
});
