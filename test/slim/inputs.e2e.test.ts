// `slimts build` from archives and layouts: a docker-archive (prefixed and as a bare path),
// an OCI layout holding a multi-platform index (--platform); the OCI archive is in
// ci-recipe.e2e.test.ts. The slim copy lands
// beside the input in the same kind of container, skopeo and umoci accept it, the slim
// image answers like the original, `created` is the original's (or SOURCE_DATE_EPOCH's),
// two builds of the same image give the same digest, and the report validates against
// src/slim/SCHEMA.md.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, SLIMTS, docker, uniqueName } from '../helpers/docker.js';
import type { BuildReport } from '../../src/slim/index.js';
import { buildSample, ensureCli, sameAnswers } from './e2e.js';
import { schemaFromMarkdown, validate } from './schema-check.js';

const work = mkdtempSync(join(tmpdir(), 'slimts-inputs-'));

function tool(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { maxBuffer: 64 << 20 });
  return { status: r.status ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

function build(ref: string, extra: string[] = [], env: Record<string, string> = {}) {
  const report = join(work, `${uniqueName('report')}.json`);
  const r = spawnSync('node', [SLIMTS, 'build', ref, '--report', report, ...extra], {
    cwd: work, env: { ...process.env, ...env }, input: '', maxBuffer: 64 << 20,
  });
  const out = { status: r.status ?? -1, stderr: r.stderr.toString(), report: undefined as BuildReport | undefined };
  if (existsSync(report)) out.report = JSON.parse(readFileSync(report, 'utf8')) as BuildReport;
  return out;
}

/** skopeo's view of an image: its manifest digest and config. */
function inspect(transportRef: string): { Digest: string; Created: string; Architecture: string } {
  const r = tool('skopeo', ['inspect', transportRef]);
  expect(r.status, `skopeo inspect ${transportRef}: ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout) as { Digest: string; Created: string; Architecture: string };
}

/** umoci unpacks the layout's image into a runtime bundle holding nginx. */
function unpacks(layoutDir: string, tag: string): void {
  const bundle = join(work, uniqueName('bundle'));
  const r = tool('umoci', ['unpack', '--image', `${layoutDir}:${tag}`, bundle]);
  expect(r.status, `umoci unpack ${layoutDir}:${tag}: ${r.stderr}`).toBe(0);
  expect(existsSync(join(bundle, 'rootfs', 'usr', 'sbin', 'nginx'))).toBe(true);
  expect(existsSync(join(bundle, 'config.json'))).toBe(true);
  rmSync(bundle, { recursive: true, force: true });
}

function extract(tar: string): string {
  const dir = join(work, uniqueName('layout'));
  mkdirSync(dir);
  expect(tool('tar', ['-xf', tar, '-C', dir]).status).toBe(0);
  return dir;
}

/** The index.json ref name of a layout's one image. */
function refNameOf(layoutDir: string): string {
  const index = JSON.parse(readFileSync(join(layoutDir, 'index.json'), 'utf8')) as { manifests: Array<{ annotations?: Record<string, string> }> };
  return index.manifests[0]!.annotations!['org.opencontainers.image.ref.name']!;
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/**
 * An OCI layout whose index lists the image for linux/amd64 and an arm64 sibling (same layers,
 * its own config), as `docker buildx --platform linux/amd64,linux/arm64 --output type=oci` does.
 */
function multiPlatform(dir: string): void {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: Array<Record<string, unknown>> };
  const amd = index.manifests[0]!;
  const blob = (d: string) => join(dir, 'blobs', 'sha256', d.replace('sha256:', ''));
  const manifest = JSON.parse(readFileSync(blob(amd.digest as string), 'utf8')) as { config: { digest: string; size: number } };
  const config = JSON.parse(readFileSync(blob(manifest.config.digest), 'utf8')) as Record<string, unknown>;
  const armConfig = Buffer.from(JSON.stringify({ ...config, architecture: 'arm64', variant: 'v8' }));
  writeFileSync(blob(sha(armConfig)), armConfig);
  const armManifest = Buffer.from(JSON.stringify({ ...manifest, config: { ...manifest.config, digest: sha(armConfig), size: armConfig.length } }));
  writeFileSync(blob(sha(armManifest)), armManifest);
  index.manifests = [
    { ...amd, annotations: undefined, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, digest: sha(armManifest), size: armManifest.length },
    { ...amd, annotations: undefined, platform: { os: 'linux', architecture: 'amd64' } },
  ];
  writeFileSync(join(dir, 'index.json'), JSON.stringify(index));
}

describe('slimts build from archives and layouts', () => {
  let image: string;
  let created: string;
  const schema = schemaFromMarkdown(join(ROOT, 'src/slim/SCHEMA.md'));
  const loaded: string[] = [];
  const savedName = uniqueName('slimts-e2e/app');
  const savedAs = `${savedName}:1`;

  beforeAll(() => {
    ensureCli();
    image = buildSample('nginx');
    created = JSON.parse(docker(['image', 'inspect', '-f', '{{json .Created}}', image]).stdout) as string;
    // saved under a name of its own: the slim copy is named after it (NAME.slim:TAG)
    docker(['tag', image, savedAs]);
    docker(['save', '-o', join(work, 'app.tar'), savedAs]);
    docker(['rmi', savedAs]);
    expect(tool('skopeo', ['copy', '-q', `docker-archive:${join(work, 'app.tar')}`, `oci:${join(work, 'multi')}:app`]).status).toBe(0);
    multiPlatform(join(work, 'multi'));
  });

  afterAll(() => {
    for (const t of loaded) docker(['rmi', '-f', t], { allowFail: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('a docker-archive in → PATH.slim.tar beside it; built twice, the same digest; the original created date', async () => {
    const a = build(`docker-archive:${join(work, 'app.tar')}`);
    expect(a.status, a.stderr).toBe(0);
    // the same archive as a bare path, written elsewhere
    const outB = join(work, 'again.tar');
    const b = build(join(work, 'app.tar'), ['--output', outB]);
    expect(b.status, b.stderr).toBe(0);
    const outA = join(work, 'app.slim.tar');
    expect(a.report!.output).toMatchObject({ kind: 'oci-archive', where: outA });
    expect(b.report!.output).toMatchObject({ kind: 'oci-archive', where: outB });

    // skopeo reads the output both as an OCI archive and as a docker-archive, umoci unpacks it
    const viaOci = inspect(`oci-archive:${outA}`);
    const viaDocker = inspect(`docker-archive:${outA}`);
    expect(viaOci.Created).toBe(created);
    expect(viaDocker.Created).toBe(created);
    unpacks(extract(outA), refNameOf(extract(outA)));
    // same image in, same trace: the same manifest, wherever it was written
    expect(b.report!.kept.map((k) => k.path)).toEqual(a.report!.kept.map((k) => k.path));
    expect(inspect(`oci-archive:${outB}`).Digest).toBe(viaOci.Digest);

    // the engine loads it and it answers like the original, also where no probe went
    const load = docker(['load', '-i', outA]).stdout;
    const tag = /Loaded image: (\S+)/.exec(load)?.[1];
    expect(tag).toBe(`${savedName}.slim:1`);
    loaded.push(tag!);
    const { results } = await sameAnswers(image, tag!, 80, ['/', '/about.html', '/style.css', '/no-such-page']);
    for (const { path, a: o, b: s } of results) expect({ path, status: s.status, body: s.body }).toEqual({ path, status: o.status, body: o.body });

    for (const r of [a.report!, b.report!]) expect(validate(schema, r)).toEqual([]);
    expect(a.report!.stages).toHaveProperty('load');
    expect(a.report!.source.id).toBe(docker(['image', 'inspect', '-f', '{{.Id}}', image]).stdout.trim());
  });

  it('an OCI layout with a multi-platform index → DIR.slim beside it; --platform picks; SOURCE_DATE_EPOCH sets created', () => {
    const dir = join(work, 'multi');
    const arm = build(dir, ['--platform', 'linux/arm64']);
    expect(arm.status).toBe(2);
    expect(arm.stderr).toMatch(/^slimts: image ".*multi" is linux\/arm64\/v8: the traced run needs linux\/amd64/m);
    expect(arm.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(`${dir}.slim`)).toBe(false);

    const r = build(dir, ['--platform', 'linux/amd64'], { SOURCE_DATE_EPOCH: '1700000000' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.report!.output).toMatchObject({ kind: 'oci-dir', where: `${dir}.slim` });
    expect(r.report!.verify.ok).toBe(true);
    const out = inspect(`oci:${dir}.slim`);
    expect(out.Created).toBe('2023-11-14T22:13:20Z');
    expect(out.Architecture).toBe('amd64');
    unpacks(`${dir}.slim`, refNameOf(`${dir}.slim`));
    expect(validate(schema, r.report)).toEqual([]);

    // a second build refuses to overwrite the slim dir, before any work
    const again = build(dir);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/^slimts: the default output .*multi\.slim exists and is not empty$/m);
  });

  it('the schema check fails reports that break it', () => {
    const good = { schemaVersion: 1, ok: true, exitCode: 0, source: { ref: 'x', id: 'sha256:1', files: 1, bytes: 1 },
      output: { kind: 'engine', where: 'x', layerSize: 1, blobSize: 1, files: 1, bytes: 1, format: 'tar' }, ratio: 1,
      trace: { events: 1, complete: true, warnings: [] }, probes: [], verify: { ran: false, ok: true, notes: [] },
      references: { enabled: true, files: 0, bytes: 0, byReason: [], dataSets: [], unresolvedCount: 0, unresolved: [] },
      stages: { read: 1 }, totalMs: 1, kept: [{ path: '/', type: 'dir', size: 0, reasons: ['parent'] }] };
    expect(validate(schema, good)).toEqual([]);
    expect(validate(schema, { ...good, schemaVersion: 2 })).toEqual([expect.stringMatching(/schemaVersion/)]);
    expect(validate(schema, { ...good, kept: [{ path: 'rel', type: 'dir', size: 0, reasons: [] }] })).toEqual([expect.stringMatching(/kept\[0\]\.path/)]);
    expect(validate(schema, { ...good, stages: { nap: 1 } })).toEqual([expect.stringMatching(/key nap/)]);
    const { format: _f, ...noFormat } = good.output;
    expect(validate(schema, { ...good, output: noFormat })).toEqual(['$.output: missing format']);
    const estargz = { tocDigest: `sha256:${'a'.repeat(64)}`, prefetchEntries: 3, prefetchFiles: 1, prefetchBytes: 10, partialFiles: ['/big'] };
    expect(validate(schema, { ...good, output: { ...good.output, format: 'estargz', estargz } })).toEqual([]);
    expect(validate(schema, { ...good, output: { ...good.output, format: 'estargz', estargz: { ...estargz, tocDigest: 'x', partialFiles: ['big'] } } }))
      .toEqual([expect.stringMatching(/estargz\.tocDigest/), expect.stringMatching(/estargz\.partialFiles\[0\]/)]);
    const { verify: _v, ...noVerify } = good;
    expect(validate(schema, noVerify)).toEqual(['$: missing verify']);
    expect(validate(schema, { ...good, references: { ...good.references, dataSets: [{ set: 'tz', what: 'x', trigger: 'y', roots: ['rel'] }] } }))
      .toEqual([expect.stringMatching(/references\.dataSets\[0\]\.roots\[0\]/)]);
  });
});
