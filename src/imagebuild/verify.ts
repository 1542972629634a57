// --verify: the new image runs its command once, and so does the host with the same command
// (the executables at their host paths), arguments, environment and working directory; exit
// code, stdout and stderr must be the same. The host runs first, before anything is written,
// so a command that cannot run or does not end is refused without leaving an image behind.
import { existsSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import type Dockerode from 'dockerode';
import { execa } from 'execa';
import { docker as engineClient } from '../engine/docker.js';
import type { ContainerConfig } from '../image/types.js';
import { ownerLabels, startReaper } from '../engine/reaper.js';
import { onCleanup } from '../util/cleanup.js';
import { parseCommand } from '../util/command.js';
import { UserError } from '../util/errors.js';
import { DEFAULT_PATH } from '../util/paths.js';

/** Output compared per stream: the first MiB (the rest is drained, not held). */
const MAX_OUTPUT = 1 << 20;
/** The engine's log of the verify container is not read; it is kept small so a chatty program cannot fill the disk. */
const LOG_LIMIT = '2m';
const DEFAULT_VERIFY_TIMEOUT_S = 10;

export interface VerifyPlan {
  /** What the image runs: its entrypoint and the arguments. */
  argv: string[];
  /** The same on the host. */
  hostArgv: string[];
  /** The arguments given to the image (replacing its Cmd), when --verify ARGS named them. */
  cmd?: string[];
  env: Record<string, string>;
  cwd: string;
  /** The image's user on the host (set when we can switch to it: running as root). */
  uid?: number;
  gid?: number;
  timeoutMs: number;
  /** The user asked for it (a host run that does not end is an error, not a skip). */
  explicit: boolean;
}

export interface Outcome {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Arguments a program answers and exits on without reading input. */
const NO_INPUT_ARGS = /^(--?version|-V|version|--?help|-h)$/;

/**
 * What --verify runs, or undefined when it is off: on when asked (`--verify`, `--verify ARGS`),
 * by default when the command takes no input (no arguments, or only a version or help flag,
 * and no exposed port: a server does not end by itself).
 */
export function verifyPlan(k: {
  flag: boolean | string | undefined;
  config: ContainerConfig;
  /** Image path → host path of each executable. */
  hostOf: Map<string, string>;
  timeoutS?: number;
  /** The image's --user as host ids, with the home the image's user database gives it. */
  user?: { uid: number; gid: number; home?: string };
}): VerifyPlan | undefined {
  if (k.flag === false) return undefined;
  const c = k.config;
  const cmd = typeof k.flag === 'string' ? parseCommand(k.flag, '--verify') : undefined;
  const argv = [...(c.Entrypoint ?? []), ...(cmd ?? c.Cmd ?? [])];
  if (argv.length === 0) {
    if (k.flag !== undefined) throw new UserError('--verify: the image has no command to run');
    return undefined;
  }
  const explicit = k.flag !== undefined;
  const takesNoInput = argv.length === 1 || (argv.length === 2 && NO_INPUT_ARGS.test(argv[1]!));
  if (!explicit && (!takesNoInput || Object.keys(c.ExposedPorts ?? {}).length > 0)) return undefined;
  const env: Record<string, string> = {};
  for (const kv of c.Env ?? []) {
    const i = kv.indexOf('=');
    if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  env.PATH ??= DEFAULT_PATH;
  // the engine's HOME: the user's in the image's /etc/passwd, else "/"
  env.HOME ??= k.user?.home ?? '/';
  const exe = k.hostOf.get(argv[0]!) ?? argv[0]!;
  const cwd = c.WorkingDir && existsSync(c.WorkingDir) ? c.WorkingDir : '/';
  const timeoutS = k.timeoutS ?? DEFAULT_VERIFY_TIMEOUT_S;
  const ids = k.user && process.getuid?.() === 0 ? { uid: k.user.uid, gid: k.user.gid } : {};
  return { argv, hostArgv: [exe, ...argv.slice(1)], cmd, env, cwd, timeoutMs: timeoutS * 1000, explicit, ...ids };
}

/** Runs the command on the host: no input, bounded output, killed at the timeout. */
export async function runOnHost(p: VerifyPlan): Promise<Outcome> {
  const child = execa(p.hostArgv[0]!, p.hostArgv.slice(1), {
    env: p.env, extendEnv: false, cwd: p.cwd, uid: p.uid, gid: p.gid,
    stdin: 'ignore', buffer: false, reject: false, timeout: p.timeoutMs, killSignal: 'SIGKILL',
  });
  const out = { stdout: collector(), stderr: collector() };
  child.stdout.on('data', (b: Buffer) => out.stdout.add(b));
  child.stderr.on('data', (b: Buffer) => out.stderr.add(b));
  const unregister = onCleanup(() => void child.kill('SIGKILL'));
  const r = await child;
  unregister();
  if (r.exitCode === undefined && r.signal === undefined) {
    throw new UserError(`--verify: ${p.hostArgv[0]} does not run on the host: ${r.code ?? r.originalMessage}`);
  }
  return { exitCode: r.exitCode ?? (r.signal ? 128 + signalNumber(r.signal) : null), stdout: out.stdout.text(), stderr: out.stderr.text(), timedOut: r.timedOut };
}

/** Runs the image once (host network, as the host run had; no input), removed afterwards. */
export async function runInImage(image: string, p: VerifyPlan, docker?: Dockerode): Promise<Outcome> {
  const d = docker ?? engineClient();
  startReaper();
  const container = await d.createContainer({
    Image: image,
    ...(p.cmd ? { Cmd: p.cmd } : {}),
    Labels: ownerLabels(),
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: false,
    Tty: false,
    HostConfig: { NetworkMode: 'host', LogConfig: { Type: 'json-file', Config: { 'max-size': LOG_LIMIT, 'max-file': '1' } } },
  });
  const remove = () => container.remove({ force: true, v: true }).catch(() => {});
  const unregister = onCleanup(remove);
  try {
    // The output as it comes (the first MiB of each stream kept, the rest drained), not the engine's log.
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    const out = { stdout: collector(), stderr: collector() };
    const so = new PassThrough().on('data', (b: Buffer) => out.stdout.add(b));
    const se = new PassThrough().on('data', (b: Buffer) => out.stderr.add(b));
    container.modem.demuxStream(stream, so, se);
    const ended = new Promise<void>((done) => {
      stream.on('end', done);
      stream.on('close', done);
      stream.on('error', () => done());
    });
    await container.start();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void container.kill().catch(() => {});
    }, p.timeoutMs);
    let exitCode: number | null;
    try {
      exitCode = ((await container.wait()) as { StatusCode: number }).StatusCode;
    } finally {
      clearTimeout(timer);
    }
    // the last bytes may still be on their way when wait answers
    await Promise.race([ended, new Promise((r) => setTimeout(r, 2000))]);
    return { exitCode, stdout: out.stdout.text(), stderr: out.stderr.text(), timedOut };
  } finally {
    await remove();
    unregister();
  }
}

/** The first difference between the host's run and the image's, in one line; undefined when they agree. */
export function difference(host: Outcome, image: Outcome): string | undefined {
  if (image.timedOut && !host.timedOut) return `the image did not end within the timeout, the host exited ${host.exitCode}${lastWords(image)}`;
  if (host.exitCode !== image.exitCode) return `exit code ${image.exitCode} in the image, ${host.exitCode} on the host${lastWords(image)}`;
  for (const stream of ['stdout', 'stderr'] as const) {
    const d = firstDifference(host[stream], image[stream]);
    if (d) return `${stream} line ${d.line}: ${JSON.stringify(d.image)} in the image, ${JSON.stringify(d.host)} on the host`;
  }
  return undefined;
}

function lastWords(o: Outcome): string {
  const l = o.stderr.trim().split('\n').pop() || o.stdout.trim().split('\n').pop();
  return l ? ` (its last words: ${JSON.stringify(l.slice(0, 300))})` : '';
}

function firstDifference(host: string, image: string): { line: number; host: string; image: string } | undefined {
  if (host === image) return undefined;
  const h = host.split('\n');
  const i = image.split('\n');
  for (let n = 0; n < Math.max(h.length, i.length); n++) {
    if (h[n] !== i[n]) return { line: n + 1, host: (h[n] ?? '(end of output)').slice(0, 300), image: (i[n] ?? '(end of output)').slice(0, 300) };
  }
  return undefined;
}

function collector() {
  const parts: Buffer[] = [];
  let size = 0;
  return {
    add(b: Buffer) {
      if (size >= MAX_OUTPUT) return;
      parts.push(b);
      size += b.length;
    },
    text: () => cut(Buffer.concat(parts).toString('utf8')),
  };
}

function cut(s: string): string {
  return s.length > MAX_OUTPUT ? s.slice(0, MAX_OUTPUT) : s;
}

function signalNumber(signal: NodeJS.Signals): number {
  const n: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 };
  return n[signal] ?? 0;
}
