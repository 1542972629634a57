// imageBuild: an image made from host executables and files, with only what they need to run.
// Everything is checked and planned before anything is written, so bad input leaves nothing.
import { createReadStream } from 'node:fs';
import { basename, posix, resolve } from 'node:path';
import type Dockerode from 'dockerode';
import { hostView, ociArch, resolvePath } from '../elf/index.js';
import type { ElfInfo } from '../elf/index.js';
import type { ContainerConfig, ImageConfig } from '../image/types.js';
import { parseRefName } from '../oci/refname.js';
import type { NewImage, WriteEntry } from '../oci/types.js';
import { writeImage } from '../oci/write.js';
import { discard, sendImage } from '../sink/index.js';
import type { SinkSpec } from '../sink/types.js';
import { UserError } from '../util/errors.js';
import { closureOf } from './closure.js';
import type { Closure } from './closure.js';
import { openBase } from './base.js';
import type { BaseImage } from './base.js';
import { stackOnBase } from './stack.js';
import { DEFAULT_EXE_DIR, DEFAULT_PATH } from './defaults.js';
import { parseExpose, parseKeyValue, parsePlatformFlag, parseWorkdir, splitHostDest } from './config-flags.js';
import type { PlatformSpec } from './config-flags.js';
import { addHostPath } from './paths.js';
import { LayerPlan } from './plan.js';
import { parseCommand } from './words.js';

export { DEFAULT_EXE_DIR } from './defaults.js';

export interface ImageBuildOptions {
  /** Base image (engine name, oci:DIR, oci-archive:PATH, docker-archive:PATH); default scratch. */
  from?: string;
  /** "PATH[:DEST]"; the first is the entrypoint unless `entrypoint` is set. */
  exe: string[];
  /** "HOST[:DEST]" files or dirs; DEST defaults to the absolute host path. */
  path?: string[];
  /** JSON array or a plain string (split without a shell); "" clears. */
  entrypoint?: string;
  cmd?: string;
  env?: string[];
  workdir?: string;
  user?: string;
  expose?: string[];
  label?: string[];
  /** "linux/ARCH[/VARIANT]"; must match the executables. */
  platform?: string;
  /** NAME[:TAG]; default: first exe's basename + ":latest". */
  tag?: string;
  /** Write here instead of loading into the engine: ".tar" → OCI archive, else OCI dir. */
  output?: string;
  docker?: Dockerode;
  /** Host PATH for "#!/usr/bin/env X" (default: process.env.PATH). */
  hostPath?: string;
}

export interface ImageBuildResult {
  kind: SinkSpec['kind'];
  /** Engine tag or output path. */
  where: string;
  tag: string;
  imageId?: string;
  /** Everything put in the image but bare parent dirs, sorted by path. */
  files: Array<{ path: string; reason: string }>;
  /** Bytes of the layer (uncompressed tar). */
  size: number;
  platform: string;
}

export async function imageBuild(opts: ImageBuildOptions): Promise<ImageBuildResult> {
  const prepared = await prepare(opts);
  try {
    const layer = await writeImage(prepared.image);
    try {
      const written = prepared.base ? await stackOnBase(layer, prepared.base.image) : layer;
      const res = await sendImage(written, prepared.sink, { docker: opts.docker });
      return {
        kind: res.kind,
        where: res.where,
        tag: prepared.tag,
        imageId: res.imageId,
        files: prepared.files,
        size: layer.layerSize,
        platform: prepared.platform,
      };
    } finally {
      await discard(layer);
    }
  } finally {
    await prepared.base?.close();
  }
}

export interface Prepared {
  image: NewImage;
  sink: SinkSpec;
  tag: string;
  files: Array<{ path: string; reason: string }>;
  platform: string;
  /** The --from image (close it when done). */
  base?: BaseImage;
}

/** Validates every flag and plans the layer; throws UserError before anything is written. */
export async function prepare(opts: ImageBuildOptions): Promise<Prepared> {
  if (opts.exe.length === 0 && (opts.path ?? []).length === 0) throw new UserError('nothing to put in the image: give --exe (or --path)');
  // Flags first: cheap checks fail fast.
  const platformFlag = opts.platform === undefined ? undefined : parsePlatformFlag(opts.platform);
  const env = (opts.env ?? []).map((e) => parseKeyValue(e, '--env'));
  const labels = (opts.label ?? []).map((l) => parseKeyValue(l, '--label'));
  const exposed = (opts.expose ?? []).map(parseExpose);
  const workdir = opts.workdir === undefined ? undefined : parseWorkdir(opts.workdir);
  const entrypointFlag = opts.entrypoint === undefined ? undefined : parseCommand(opts.entrypoint, '--entrypoint');
  const cmd = opts.cmd === undefined ? undefined : parseCommand(opts.cmd, '--cmd');
  const exes = opts.exe.map((spec) => {
    const { host, dest } = splitHostDest(spec, '--exe');
    const d = posix.normalize(dest ?? `${DEFAULT_EXE_DIR}/${basename(host)}`);
    if (d === '/' || d.endsWith('/')) throw new UserError(`--exe ${spec}: destination must name a file`);
    return { spec, host, dest: d };
  });
  const tag = parseRefName(opts.tag ?? defaultTag(exes[0]?.host ?? splitHostDest(opts.path![0]!, '--path').host)).familiar;
  const sink: SinkSpec = opts.output
    ? opts.output.endsWith('.tar')
      ? { kind: 'oci-archive', path: resolve(opts.output), tag }
      : { kind: 'oci-dir', path: resolve(opts.output), tag }
    : { kind: 'engine', tag };

  const view = hostView();
  const hostPath = (opts.hostPath ?? process.env.PATH ?? DEFAULT_PATH).split(':');
  const closures = exes.map((e) => ({ ...e, c: closureOf(view, resolve(e.host), { hostPath, destDir: posix.dirname(e.dest), label: `--exe ${e.host}` }) }));
  const platform = checkPlatform(closures.flatMap((x) => x.c.elves), platformFlag);
  const base = opts.from === undefined ? undefined : await openBase(opts.from, platform, opts.docker);
  try {
    const planned = plan(opts, { exes: closures, platform, base, env, labels, exposed, workdir, entrypointFlag, cmd });
    planned.image.refName = tag;
    return { ...planned, sink, tag, base };
  } catch (err) {
    await base?.close();
    throw err;
  }
}

interface Checked {
  exes: Array<{ host: string; dest: string; c: Closure }>;
  platform: PlatformSpec;
  base?: BaseImage;
  env: Array<[string, string]>;
  labels: Array<[string, string]>;
  exposed: string[];
  workdir?: string;
  entrypointFlag?: string[];
  cmd?: string[];
}

function plan(opts: ImageBuildOptions, k: Checked): Pick<Prepared, 'image' | 'files' | 'platform'> {
  const view = hostView();
  const plan = new LayerPlan(k.base?.index);
  const baseView = k.base && plan.view();
  // What the base already has where the kernel or loader looks is not shipped again.
  const inBase = (lookup: string) => baseView !== undefined && resolvePath(baseView, lookup).stat?.type === 'file';

  // Host dependencies first, at their host paths, so user destinations resolve through
  // the symlinks they bring (e.g. /lib → usr/lib).
  const libraryPath: string[] = [];
  const binPath: string[] = [];
  for (const { c } of k.exes) {
    const skip = new Map<string, boolean>();
    for (const f of c.files) {
      if (f.dest) continue;
      if (!skip.has(f.lookup)) skip.set(f.lookup, inBase(f.lookup));
      if (!skip.get(f.lookup)) plan.add(mirrorEntry(view, f.path, f.type, f.reason));
    }
    for (const d of c.libraryPath) if (!libraryPath.includes(d)) libraryPath.push(d);
    for (const d of c.binPath) if (!binPath.includes(d)) binPath.push(d);
  }
  const entrypointDests: string[] = [];
  for (const { c, dest, host } of k.exes) {
    const st = view.lstat(c.real)!;
    const placed = plan.place(dest);
    entrypointDests.push(placed);
    plan.add({ path: placed, type: 'file', mode: st.mode ?? 0o755, mtime: st.mtime ?? 0, size: st.size, source: c.real, reason: `--exe ${host}` });
    for (const f of c.files) {
      if (!f.dest) continue;
      const s = view.lstat(f.path)!;
      plan.add({ path: f.dest, type: 'file', mode: s.mode ?? 0o644, mtime: s.mtime ?? 0, size: s.size, source: f.path, reason: f.reason });
    }
  }
  for (const p of opts.path ?? []) addHostPath(plan, p);

  // The config: the base's, with the flags applied like Dockerfile instructions would.
  const baseCfg = k.base?.image.config;
  const cc: ContainerConfig = structuredClone(baseCfg?.config ?? {});
  if (opts.user !== undefined) cc.User = opts.user;
  const envMap = new Map<string, string>();
  for (const e of cc.Env ?? []) {
    const i = e.indexOf('=');
    envMap.set(i < 0 ? e : e.slice(0, i), i < 0 ? '' : e.slice(i + 1));
  }
  if (binPath.length) envMap.set('PATH', [envMap.get('PATH') ?? DEFAULT_PATH, ...binPath].join(':'));
  if (libraryPath.length) envMap.set('LD_LIBRARY_PATH', [...(envMap.get('LD_LIBRARY_PATH')?.split(':') ?? []), ...libraryPath].filter(Boolean).join(':'));
  for (const [key, v] of k.env) envMap.set(key, v);
  if (envMap.size) cc.Env = [...envMap].map(([key, v]) => `${key}=${v}`);
  const entrypoint = k.entrypointFlag ?? (entrypointDests[0] ? [entrypointDests[0]] : undefined);
  if (entrypoint) {
    cc.Entrypoint = entrypoint;
    // As in a Dockerfile, a new ENTRYPOINT drops the CMD inherited from the base.
    if (baseCfg) cc.Cmd = null;
  }
  if (k.cmd) cc.Cmd = k.cmd;
  if (k.workdir) cc.WorkingDir = k.workdir;
  if (k.exposed.length) cc.ExposedPorts = { ...(cc.ExposedPorts ?? {}), ...Object.fromEntries(k.exposed.map((p) => [p, {}])) };
  if (k.labels.length) cc.Labels = { ...(cc.Labels ?? {}), ...Object.fromEntries(k.labels) };
  const { platform } = k;
  const config: ImageConfig = {
    ...(baseCfg ? withoutLayers(baseCfg) : {}),
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: cc,
    rootfs: { type: 'layers', diff_ids: [] },
  };

  const planned = plan.all();
  const entries: WriteEntry[] = planned.map((e) => {
    const w: WriteEntry = { path: e.path, type: e.type, mode: e.mode, uid: e.uid ?? 0, gid: e.gid ?? 0, mtime: e.mtime, size: e.type === 'file' ? e.size : 0 };
    if (e.uname !== undefined) w.uname = e.uname;
    if (e.gname !== undefined) w.gname = e.gname;
    if (e.linkname !== undefined) w.linkname = e.linkname;
    const src = e.source;
    // Exactly `size` bytes, as stat'ed when planning.
    if (src && e.size > 0) w.open = () => createReadStream(src, { start: 0, end: e.size - 1 });
    return w;
  });
  const created = [opts.from ? `--from ${opts.from}` : '', ...opts.exe.map((e) => `--exe ${e}`), ...(opts.path ?? []).map((p) => `--path ${p}`)];
  return {
    image: {
      config,
      history: { created_by: `slimts imagebuild ${created.filter(Boolean).join(' ')}`.trim(), comment: 'slimts imagebuild' },
      entries,
      gzip: !!opts.output,
    },
    files: planned.filter((e) => e.reason).map((e) => ({ path: e.path, reason: e.reason! })).sort((a, b) => (a.path < b.path ? -1 : 1)),
    platform: `${platform.os}/${platform.architecture}${platform.variant ? `/${platform.variant}` : ''}`,
  };
}

/** A base config without what the writer recomputes for the new image. */
function withoutLayers(cfg: ImageConfig): Partial<ImageConfig> {
  const { rootfs: _r, history: _h, created: _c, config: _cc, ...rest } = cfg;
  return rest;
}

function mirrorEntry(view: ReturnType<typeof hostView>, path: string, type: 'file' | 'symlink', reason: string) {
  const st = view.lstat(path);
  if (!st) throw new UserError(`${path}: vanished while reading`);
  if (type === 'symlink') return { path, type, mode: 0o777, mtime: st.mtime ?? 0, size: 0, linkname: st.linkname, reason };
  return { path, type, mode: st.mode ?? 0o644, mtime: st.mtime ?? 0, size: st.size, source: path, reason };
}

/** All ELF objects must share one architecture, which must be the one asked for. */
function checkPlatform(elves: Array<{ path: string; elf: ElfInfo }>, flag: PlatformSpec | undefined): PlatformSpec {
  let arch: string | undefined;
  let first: string | undefined;
  for (const { path, elf } of elves) {
    const a = ociArch(elf) ?? `elf-machine-${elf.machine}`;
    if (arch === undefined) {
      arch = a;
      first = path;
    } else if (a !== arch) {
      throw new UserError(`mixed architectures: ${first} is ${arch} but ${path} is ${a}`);
    }
    if (flag && a !== flag.architecture) {
      throw new UserError(`--platform ${flag.os}/${flag.architecture}: ${path} is built for ${a}`);
    }
  }
  if (flag) return flag;
  if (arch === undefined) return { os: 'linux', architecture: hostArch() };
  if (arch.startsWith('elf-machine-')) throw new UserError(`${first}: unknown ELF machine; give --platform`);
  return { os: 'linux', architecture: arch };
}

function hostArch(): string {
  const m: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return m[process.arch] ?? process.arch;
}

/** "./bin/My_App" → "my_app:latest": the basename made a valid repository name. */
function defaultTag(host: string): string {
  const name = basename(host)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .replace(/[._-]{2,}/g, '-');
  return `${name || 'image'}:latest`;
}
