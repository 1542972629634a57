// Helpers for build e2e tests: build the CLI once, slim an image, and compare the slim image
// with the original (config, exported metadata, answers) through the real engine.
import { execFileSync } from 'node:child_process';
import { expect } from 'vitest';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { iterateTar, ChunkSource, normalizePath } from '../../src/tar/index.js';
import { ROOT, docker, slimts, uniqueName } from '../helpers/docker.js';
import type { BuildReport } from '../../src/slim/index.js';

/** The CLI and the sensor, built once by the global setup (test/helpers/global-setup.ts). */
export function ensureCli(): void {
  for (const f of ['dist/cli/main.js', 'sensors/build/slimts-sensor']) {
    if (!existsSync(join(ROOT, f))) throw new Error(`${f} missing: the global setup builds it (npx tsc -p . && make -C sensors)`);
  }
}

export function buildSample(name: string): string {
  execFileSync('bash', [`${ROOT}/samples/build-samples.sh`, name], { stdio: 'inherit' });
  return `slimts-sample/${name}:1`;
}

/** Builds samples/trouble/<name> as slimts-trouble/<name>:1 (rebuilt only when its sources change). */
export function buildTrouble(name: string): string {
  return buildIn('trouble', name);
}

/**
 * For a test file: each image slimmed once with default flags (a slim image may serve several
 * tests); it must verify and keep the original's config. `cleanup` removes what was made.
 */
export function slimmedOnce(): { slimOk(image: string): Slimmed; cleanup(): void } {
  const slimmed = new Map<string, Slimmed>();
  return {
    slimOk(image) {
      const done = slimmed.get(image);
      if (done) return done;
      const s = slim(image);
      slimmed.set(image, s);
      expect(s.status, s.stderr + s.stdout).toBe(0);
      expect(s.report!.verify.ok).toBe(true);
      expect(configOf(s.tag)).toEqual(configOf(image));
      return s;
    },
    cleanup: () => slimmed.forEach((s) => s.cleanup()),
  };
}

/** Builds samples/reach/<name> as slimts-reach/<name>:1 (rebuilt only when its sources change). */
export function buildReach(name: string): string {
  return buildIn('reach', name);
}

/** GETs every path on both images; returns the original's answers and every path the slim one answers differently. */
export async function compareRoutes(image: string, slimTag: string, port: number, paths: string[]) {
  const { results } = await sameAnswers(image, slimTag, port, paths);
  const original = new Map(results.map((r) => [r.path, r.a]));
  const differ = results.filter((r) => r.a.status !== r.b.status || r.a.body !== r.b.body)
    .map((r) => `${r.path}: original ${r.a.status} ${JSON.stringify(r.a.body.slice(0, 160))}, slim ${r.b.status} ${JSON.stringify(r.b.body.slice(0, 300))}`);
  return { original, differ };
}

/**
 * Runs each argument list on the original and on the slim image: it succeeds on the original,
 * and the slim one exits 0 with the same stdout (and, unless `stderr` is false, nothing on stderr).
 */
export function runsAlike(image: string, slimTag: string, argsList: string[][], opts: { stderr?: boolean } = {}): void {
  for (const args of argsList) {
    const a = runOnce(image, args);
    const b = runOnce(slimTag, args);
    expect(a.status, `${args.join(' ')} on the original: ${a.stderr}`).toBe(0);
    if (opts.stderr === false) expect({ args, status: b.status, stdout: b.stdout }).toEqual({ args, status: 0, stdout: a.stdout });
    else expect({ args, status: b.status, stdout: b.stdout, stderr: b.stderr.slice(-400) }).toEqual({ args, status: 0, stdout: a.stdout, stderr: '' });
  }
}

/** GETs every path on both images: 200 from the original, the same answer from the slim one; the original's answers. */
export async function answersAlike(image: string, slimTag: string, port: number, paths: string[]) {
  const { original, differ } = await compareRoutes(image, slimTag, port, paths);
  for (const p of paths) expect(original.get(p)!.status, p).toBe(200);
  expect(differ).toEqual([]);
  return original;
}

/** Runs `ref` once with `args` (its own container, removed after). */
export function runOnce(ref: string, args: string[]) {
  const r = docker(['run', '--rm', ref, ...args], { allowFail: true });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Builds samples/latent/<name> as slimts-latent/<name>:1 (rebuilt only when its sources change). */
export function buildLatent(name: string): string {
  return buildIn('latent', name);
}

/** Builds samples/<group>/<name> as slimts-<group>/<name>:1 (rebuilt only when its sources change). */
export function buildIn(group: string, name: string): string {
  const tag = `slimts-${group}/${name}:1`;
  execFileSync('bash', [`${ROOT}/samples/build-image.sh`, tag, `${ROOT}/samples/${group}/${name}`], { stdio: 'inherit' });
  return tag;
}

export interface Slimmed {
  tag: string;
  status: number;
  stdout: string;
  stderr: string;
  report?: BuildReport;
  cleanup(): void;
}

/** `slimts build IMAGE --tag <unique>` with default flags otherwise. */
export function slim(image: string, extra: string[] = []): Slimmed {
  ensureCli();
  const dir = mkdtempSync(join(tmpdir(), 'slimts-e2e-'));
  const tag = `${uniqueName('slimts-e2e/slim')}:1`;
  const r = slimts(['build', image, '--tag', tag, '--report', join(dir, 'report.json'), ...extra]);
  let report: BuildReport | undefined;
  try {
    report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as BuildReport;
  } catch {
    // no report on error
  }
  rmSync(dir, { recursive: true, force: true });
  return { tag, ...r, report, cleanup: () => void docker(['rmi', '-f', tag], { allowFail: true }) };
}

export function imageSize(ref: string): number {
  return Number(docker(['image', 'inspect', '-f', '{{.Size}}', ref]).stdout.trim());
}

export const CONFIG_FIELDS = ['Entrypoint', 'Cmd', 'Env', 'User', 'WorkingDir', 'ExposedPorts', 'Volumes', 'Labels', 'StopSignal', 'Healthcheck', 'Shell', 'OnBuild'];

export function configOf(ref: string): Record<string, unknown> {
  const c = JSON.parse(docker(['image', 'inspect', '-f', '{{json .Config}}', ref]).stdout) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of CONFIG_FIELDS) out[k] = c[k] ?? null;
  return out;
}

export interface Meta {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  linkname: string;
  xattrs: Record<string, string>;
}

// Written by the engine into every container (init layer, mounts): not the image's.
const ENGINE_PATHS = /^\/(\.dockerenv|dev(\/.*)?|proc|sys|etc\/(hosts|hostname|resolv\.conf|mtab))$/;
const ENGINE_PARENTS = new Set(['/', '/etc', '/dev']);

/**
 * Another engine than the default one (DOCKER_HOST=tcp://…, podman's socket): how the docker
 * CLI reaches it, and the address its published ports are reached at.
 */
export interface EngineAt {
  host: string;
  address: string;
}

/** The docker CLI's arguments that talk to `at` (none for the default engine). */
const on = (at?: EngineAt) => (at ? ['-H', at.host] : []);

/** Metadata of every entry of `docker export` of a container created (not started) from ref. */
export async function exportedMeta(ref: string, at?: EngineAt): Promise<Map<string, Meta>> {
  const name = uniqueName('slimts-e2e-export');
  const dir = mkdtempSync(join(tmpdir(), 'slimts-e2e-export-'));
  docker([...on(at), 'create', '--name', name, ref, '/nonexistent']);
  try {
    // to a file first: the export is read at our pace, the engine never waits on a pipe
    execFileSync('docker', [...on(at), 'export', '-o', join(dir, 'fs.tar'), name], { stdio: 'inherit' });
    const out = new Map<string, Meta>();
    for await (const raw of iterateTar(new ChunkSource(createReadStream(join(dir, 'fs.tar')) as AsyncIterable<Buffer>))) {
      const p = normalizePath(raw.name);
      if (!p || ENGINE_PATHS.test(p)) continue;
      const xattrs: Record<string, string> = {};
      for (const [k, v] of Object.entries(raw.xattrs ?? {})) xattrs[k] = v.toString('hex');
      out.set(p, { type: raw.typeflag, mode: raw.mode & 0o7777, uid: raw.uid, gid: raw.gid, mtime: Math.floor(raw.mtime), linkname: raw.linkname, xattrs });
    }
    return out;
  } finally {
    docker([...on(at), 'rm', '-f', '-v', name], { allowFail: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every slim entry's metadata equals the original's; returns the differences. */
export async function metadataDiffs(original: string, slimTag: string, at?: EngineAt): Promise<string[]> {
  const [a, b] = await Promise.all([exportedMeta(original, at), exportedMeta(slimTag, at)]);
  const diffs: string[] = [];
  if (b.size < 5 || a.size < 5) diffs.push(`export looks empty: ${a.size} original, ${b.size} slim entries`);
  for (const [p, m] of b) {
    const o = a.get(p);
    if (!o) { diffs.push(`${p}: not in the original`); continue; }
    const skipMtime = ENGINE_PARENTS.has(p) && m.type === '5';
    // a hardlink's header in one export may be the file's in the other: compare as files
    const ot = o.type === '1' ? '0' : o.type;
    const mt = m.type === '1' ? '0' : m.type;
    if (ot !== mt) diffs.push(`${p}: type ${o.type} → ${m.type}`);
    if (o.mode !== m.mode) diffs.push(`${p}: mode ${o.mode.toString(8)} → ${m.mode.toString(8)}`);
    if (o.uid !== m.uid || o.gid !== m.gid) diffs.push(`${p}: owner ${o.uid}:${o.gid} → ${m.uid}:${m.gid}`);
    if (!skipMtime && o.mtime !== m.mtime) diffs.push(`${p}: mtime ${o.mtime} → ${m.mtime}`);
    if (o.type === '2' && o.linkname !== m.linkname) diffs.push(`${p}: link ${o.linkname} → ${m.linkname}`);
    if (JSON.stringify(o.xattrs) !== JSON.stringify(m.xattrs)) diffs.push(`${p}: xattrs ${JSON.stringify(o.xattrs)} → ${JSON.stringify(m.xattrs)}`);
  }
  return diffs;
}

/** Runs `ref` detached with `port` published on loopback (`at`'s address); returns the host port and a stop. */
export function serve(ref: string, port: number, args: string[] = [], at?: EngineAt): { hostPort: () => Promise<number>; logs: () => string; stop: () => void } {
  const name = uniqueName('slimts-e2e-run');
  docker([...on(at), 'run', '-d', '--name', name, '-p', `${at?.address ?? '127.0.0.1'}::${port}`, ...args, ref]);
  return {
    hostPort: async () => {
      const out = docker([...on(at), 'port', name, `${port}/tcp`]).stdout.trim().split('\n')[0]!;
      return Number(out.slice(out.lastIndexOf(':') + 1));
    },
    logs: () => { const r = docker([...on(at), 'logs', name], { allowFail: true }); return r.stdout + r.stderr; },
    stop: () => void docker([...on(at), 'rm', '-f', '-v', name], { allowFail: true }),
  };
}

/** GETs path until it answers (or gives up after `ms`). */
export async function getWhenUp(hostPort: number, path: string, ms = 30_000, address = '127.0.0.1'): Promise<{ status: number; body: string }> {
  const until = Date.now() + ms;
  let last: unknown;
  while (Date.now() < until) {
    try {
      // bounded: Node 20's fetch never settles when the engine's port proxy resets a connection
      // the app was not yet listening for
      const r = await fetch(`http://${address}:${hostPort}${path}`, { signal: AbortSignal.timeout(5_000) });
      return { status: r.status, body: await r.text() };
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`no answer on ${hostPort}${path}: ${String(last)}`);
}

/** Answers of the original and the slim image to the same GETs. */
export async function sameAnswers(original: string, slimTag: string, port: number, paths: string[], args: string[] = [], at?: EngineAt) {
  const results: Array<{ path: string; a: { status: number; body: string }; b: { status: number; body: string } }> = [];
  const sa = serve(original, port, args, at);
  const sb = serve(slimTag, port, args, at);
  try {
    const [pa, pb] = [await sa.hostPort(), await sb.hostPort()];
    for (const p of paths) {
      const a = await getWhenUp(pa, p, undefined, at?.address);
      let b;
      try {
        b = await getWhenUp(pb, p, undefined, at?.address);
      } catch (err) {
        throw new Error(`${(err as Error).message}\nslim logs:\n${sb.logs()}`);
      }
      results.push({ path: p, a, b });
    }
    return { results, slimLogs: sb.logs() };
  } finally {
    sa.stop();
    sb.stop();
  }
}

