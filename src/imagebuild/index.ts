// imageBuild: an image made from host executables and files, with only what they need to run.
// Everything is checked and planned before anything is written, so bad input leaves nothing.
import { basename, posix, resolve } from 'node:path';
import type Dockerode from 'dockerode';
import { hostView, resolvePath } from '../elf/index.js';
import { parseRefName } from '../oci/refname.js';
import type { LayerFormat } from '../oci/layer-format.js';
import type { NewImage } from '../oci/types.js';
import { writeImage } from '../oci/write.js';
import { discard, sendImage, wantsGzip } from '../sink/index.js';
import { chooseSink } from '../sink/choose.js';
import type { SinkSpec } from '../sink/types.js';
import { UserError } from '../util/errors.js';
import { openBase } from './base.js';
import type { BaseImage } from './base.js';
import { closureOf } from './closure.js';
import { imageConfig } from './config.js';
import { parseAllowedDir, parseExpose, parseKeyValue, parsePlatformFlag, parseWorkdir } from './config-flags.js';
import { planLayer, writeEntries } from './layer.js';
import { LayerPlan } from './plan.js';
import { checkPlatform } from './platform.js';
import { formatPlatform } from '../image/platform.js';
import type { StoredImage } from '../image/types.js';
import { stackOn } from '../oci/stack.js';
import { parseCommand } from '../util/command.js';
import { checkExeHost, parseExe, splitHostDest } from '../util/host-dest.js';
import { DEFAULT_PATH } from '../util/paths.js';
import { sendToEngine } from '../sink/engine.js';
import { docker as engineClient } from '../engine/docker.js';
import { onCleanup } from '../util/cleanup.js';
import { referencesOf } from './references.js';
import type { Refused, Unresolved } from './references.js';
import { hostIds, userDatabase } from './userdb.js';
import { difference, runInImage, runOnHost, verifyPlan } from './verify.js';
import type { Outcome, VerifyPlan } from './verify.js';

export interface ImageBuildOptions {
  /** Base image (engine name, oci:DIR, oci-archive:PATH, docker-archive:PATH); default scratch. */
  from?: string;
  /** "HOST[:DEST]" (src/util/host-dest.ts); the first is the entrypoint unless `entrypoint` is set. */
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
  /** Push to HOST[:PORT]/NAME[:TAG] instead of loading. */
  push?: string;
  insecureRegistry?: boolean;
  /** Layer format: gzip (default) or estargz (the executables and what they load prefetched first). */
  format?: LayerFormat;
  docker?: Dockerode;
  /** Host PATH for "#!/usr/bin/env X" (default: process.env.PATH). */
  hostPath?: string;
  /** false: leave the CA store out even when a TLS library is included (--no-certs). */
  certs?: boolean;
  /** Run the image once and compare with the host: true/ARGS (--verify [ARGS]), false (--no-verify), undefined: when the command takes no input. */
  verify?: boolean | string;
  /** Seconds each verify run may take (default 10). */
  verifyTimeout?: number;
  /** Host directories a path named by code or compiled into a binary may be copied from, beyond /usr, /bin, /sbin, /lib* (--allow-host-path). */
  allowHostPath?: string[];
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
  /** References named in the included code that nothing on the host answers (file, line, why). */
  unresolved: Unresolved[];
  /** On-demand data sets included, with what needed each. */
  dataSets: Array<{ set: string; what: string; trigger: string }>;
  /** Host paths named by code or binaries that were not copied (src/refs/policy.ts hostSourceRefused), with why. */
  refused: Refused[];
  /** What --verify found: passed, or why it was not compared. */
  verify?: { ran: boolean; command: string[]; note?: string };
}

export async function imageBuild(opts: ImageBuildOptions): Promise<ImageBuildResult> {
  const prepared = await prepare(opts);
  try {
    // The host run first: a command that cannot run or does not end stops us before writing.
    const host = prepared.verify && (await hostRun(prepared.verify));
    const written = await writeImage(prepared.base ? stackOn(prepared.base.image, prepared.image) : prepared.image);
    try {
      const res = await sendImage(written.image, prepared.sink, { docker: opts.docker });
      const result: ImageBuildResult = {
        kind: res.kind,
        where: res.where,
        tag: prepared.tag,
        imageId: res.imageId,
        files: prepared.files,
        size: written.layerSize,
        platform: prepared.platform,
        unresolved: prepared.unresolved,
        dataSets: prepared.dataSets,
        refused: prepared.refused,
      };
      if (prepared.verify && host) {
        const p = prepared.verify;
        if (host.timedOut) {
          result.verify = { ran: false, command: p.argv, note: `not compared: on the host it did not end within ${p.timeoutMs / 1000} s (give --verify ARGS that end, or --no-verify)` };
        } else {
          const image = res.kind === 'engine' ? await runInImage(res.imageId ?? prepared.tag, p, opts.docker) : await runLoaded(written.image, p, opts.docker);
          const diff = difference(host, image);
          if (diff) throw new UserError(`verify: \`${p.argv.join(' ')}\` answers differently in the image (${res.where}): ${diff}`, 3);
          result.verify = { ran: true, command: p.argv };
        }
      }
      return result;
    } finally {
      await discard(written);
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
  unresolved: Unresolved[];
  dataSets: Array<{ set: string; what: string; trigger: string }>;
  refused: Refused[];
  /** What --verify runs, when it is on. */
  verify?: VerifyPlan;
}

/** Validates every flag and plans the layer; throws UserError before anything is written. */
export async function prepare(opts: ImageBuildOptions): Promise<Prepared> {
  if (opts.exe.length === 0 && (opts.path ?? []).length === 0) throw new UserError('nothing to put in the image: give --exe (or --path)');
  // Flags first: cheap checks fail fast.
  const platformFlag = opts.platform === undefined ? undefined : parsePlatformFlag(opts.platform);
  const env = (opts.env ?? []).map((e) => parseKeyValue(e, '--env'));
  const labels = (opts.label ?? []).map((l) => parseKeyValue(l, '--label'));
  const exposed = (opts.expose ?? []).map((p) => parseExpose(p, '--expose'));
  const workdir = opts.workdir === undefined ? undefined : parseWorkdir(opts.workdir);
  const entrypointFlag = opts.entrypoint === undefined ? undefined : parseCommand(opts.entrypoint, '--entrypoint');
  const cmd = opts.cmd === undefined ? undefined : parseCommand(opts.cmd, '--cmd');
  const allowHostPaths = (opts.allowHostPath ?? []).map(parseAllowedDir);
  const exes = opts.exe.map(parseExe);
  for (const e of exes) checkExeHost(e);
  const tag = parseRefName(opts.tag ?? defaultTag(exes[0]?.host ?? splitHostDest(opts.path![0]!, '--path').host)).familiar;
  const sink: SinkSpec = chooseSink({ tag, output: opts.output, push: opts.push, insecure: opts.insecureRegistry });
  // On a base image its own user database decides (a name it lacks fails at run, as in docker).
  const generated = opts.user !== undefined && opts.from === undefined ? userDatabase(opts.user) : [];

  const view = hostView();
  const hostPath = (opts.hostPath ?? process.env.PATH ?? DEFAULT_PATH).split(':');
  const closures = exes.map((e) => ({ ...e, c: closureOf(view, resolve(e.host), { hostPath, destDir: posix.dirname(e.dest), label: `--exe ${e.host}` }) }));
  const platform0 = checkPlatform(closures.flatMap((x) => x.c.elves), platformFlag);
  const base = opts.from === undefined ? undefined : await openBase(opts.from, platform0, opts.docker);
  try {
    // What the scripts refer to, resolved with the environment the image will have.
    const early = imageConfig({
      base: base?.image.config, platform: platform0, user: opts.user, env, labels, exposed, workdir, cmd, binPath: closures.flatMap((x) => x.c.binPath), libraryPath: [],
    }).config ?? {};
    const baseView = base && new LayerPlan(base.index).view();
    const refs = referencesOf({
      view, exes: closures, env: early.Env ?? [`PATH=${DEFAULT_PATH}`], workdir: early.WorkingDir || '/', hostPath, certs: opts.certs !== false,
      inBase: baseView && ((p: string) => resolvePath(baseView, p).stat?.type === 'file'),
      baseHas: baseView && ((p: string) => resolvePath(baseView, p).stat !== undefined),
      allowHostPaths,
    });
    const platform = checkPlatform([...closures.flatMap((x) => x.c.elves), ...refs.elves], platformFlag);
    const layer = planLayer({ exes: closures, paths: opts.path ?? [], base: base?.index, referenced: refs.files, generated });
    const config = imageConfig({
      base: base?.image.config,
      platform,
      user: opts.user,
      env,
      labels,
      exposed,
      workdir,
      entrypoint: entrypointFlag ?? (layer.exeDests[0] ? [layer.exeDests[0]] : undefined),
      cmd,
      binPath: union(layer.binPath, refs.binPath),
      libraryPath: union(layer.libraryPath, refs.libraryPath),
    });
    const hostOf = new Map(closures.map((x, i) => [layer.exeDests[i]!, x.c.real]));
    const imageUser = config.config?.User;
    const user = imageUser ? hostIds(imageUser) : undefined;
    // a user database made here gives the user its host home; a base's may say otherwise (not known without reading it)
    const verify = verifyPlan({ flag: opts.verify, config: config.config ?? {}, hostOf, timeoutS: opts.verifyTimeout, user: user && (generated.length ? user : { ...user, home: undefined }) });
    const made = [opts.from ? `--from ${opts.from}` : '', ...opts.exe.map((e) => `--exe ${e}`), ...(opts.path ?? []).map((p) => `--path ${p}`)];
    const image: NewImage = {
      config,
      history: { created_by: `slimts imagebuild ${made.filter(Boolean).join(' ')}`.trim(), comment: 'slimts imagebuild' },
      entries: writeEntries(layer.entries),
      refName: tag,
      gzip: wantsGzip(sink),
      estargz: opts.format === 'estargz' ? { prefetch: startOrder(closures) } : undefined,
    };
    const files = layer.entries.filter((e) => e.reason).map((e) => ({ path: e.path, reason: e.reason! })).sort((a, b) => (a.path < b.path ? -1 : 1));
    return {
      image, sink, tag, files, platform: formatPlatform(platform), base,
      unresolved: refs.unresolved, dataSets: refs.dataSets.map(({ set, what, trigger }) => ({ set, what, trigger })), refused: refs.refused, verify,
    };
  } catch (err) {
    await base?.close();
    throw err;
  }
}

const union = (a: string[], b: string[]) => [...new Set([...a, ...b])];


async function hostRun(p: VerifyPlan): Promise<Outcome> {
  const host = await runOnHost(p);
  if (host.timedOut && p.explicit) throw new UserError(`--verify: \`${p.hostArgv.join(' ')}\` did not end within ${p.timeoutMs / 1000} s on the host`);
  return host;
}

/** A file or registry output is verified from the same image, loaded under a throwaway tag. */
async function runLoaded(image: StoredImage, p: VerifyPlan, docker?: Dockerode): Promise<Outcome> {
  const d = docker ?? engineClient();
  const tag = `slimts-verify/imagebuild-${process.pid}-${Date.now().toString(36)}:t`;
  const remove = () => d.getImage(tag).remove({ force: true }).catch(() => {});
  const unregister = onCleanup(remove);
  try {
    const { imageId } = await sendToEngine(image, tag, docker);
    return await runInImage(imageId ?? tag, p, docker);
  } finally {
    await remove();
    unregister();
  }
}

/**
 * What runs first, in the order it is read: each executable (the entrypoint first), then its
 * interpreters and libraries as the closure found them (the loader's order).
 */
function startOrder(closures: Array<{ dest: string; c: { files: Array<{ dest?: string; lookup: string }> } }>): string[] {
  return closures.flatMap(({ dest, c }) => [dest, ...c.files.map((f) => f.dest ?? f.lookup)]);
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
