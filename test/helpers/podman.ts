// A podman API service of the test's own: its storage, run state, network config and events
// in one temp dir, its socket there too, so nothing of it is shared with the machine's podman
// (if any) and stop() leaves nothing behind. Podman comes from Debian (.ci/run installs it).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Podman {
  /** DOCKER_HOST for its API. */
  host: string;
  dir: string;
  /** Runs the podman CLI on this service's storage. */
  podman(args: string[], opts?: { input?: Buffer | string; allowFail?: boolean }): { status: number; stdout: string; stderr: string };
  /** Copies an image from the Docker engine into this podman (`docker save | podman load`). */
  loadFromDocker(ref: string): void;
  /** Removes every container, image and volume, ends the service and removes its dir and traces. */
  stop(): Promise<void>;
  /** What of this podman is still on the machine (after stop(): nothing). */
  leftovers(): string[];
}

function hardLimit(name: string): number {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith(name));
  const hard = line?.trim().split(/\s{2,}/)[2];
  return hard === undefined || hard === 'unlimited' ? Infinity : Number(hard);
}

/**
 * The ulimits podman gives containers when asked for none, within this machine's: rootful
 * podman asks for nofile and nproc of 1048576, which only a root with CAP_SYS_RESOURCE may set
 * (runc: "error setting rlimit type 7: operation not permitted" otherwise, in some sandboxes
 * and CI machines). Podman itself runs with RLIMIT_NPROC at most the kernel's pid_max.
 */
function ulimits(): string[] {
  const pidMax = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
  const nofile = Math.min(hardLimit('Max open files'), 1048576);
  const nproc = Math.min(hardLimit('Max processes'), pidMax, 1048576);
  return [`nofile=${nofile}:${nofile}`, `nproc=${nproc}:${nproc}`];
}

function ping(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath: socket, path: '/_ping', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => { req.destroy(); resolve(false); });
    req.end();
  });
}

/**
 * What rootful podman puts on the machine whatever its storage: fixed state dirs (netavark's
 * IPAM db, the blob-info cache), a cgroup parent per controller (cgroupfs), and netavark's base
 * firewall chains. Whatever of it was not there before the service started is removed after.
 */
const MACHINE_DIRS = ['/run/containers', '/var/lib/containers', '/run/libpod'];
const CGROUP_PARENT = 'libpod_parent';

interface MachineTraces {
  dirs: string[];
  cgroups: boolean;
  chains: boolean;
}

function iptablesSave(): string {
  return spawnSync('iptables-save', { encoding: 'utf8' }).stdout ?? '';
}

function cgroupParents(): string[] {
  if (!existsSync('/sys/fs/cgroup')) return [];
  return readdirSync('/sys/fs/cgroup').map((c) => join('/sys/fs/cgroup', c, CGROUP_PARENT)).filter((p) => existsSync(p));
}

function machineTraces(): MachineTraces {
  return { dirs: MACHINE_DIRS.filter((d) => existsSync(d)), cgroups: cgroupParents().length > 0, chains: iptablesSave().includes('NETAVARK') };
}

/** An empty cgroup and its empty children (rmdir fails on one that holds a process). */
function removeCgroup(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeCgroup(join(dir, e.name));
  try { rmdirSync(dir); } catch { /* still in use */ }
}

/** iptables-save's arguments of one rule line, quotes honoured. */
const ruleArgs = (line: string) => [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);

function removeNetavarkChains(): void {
  let table = '';
  const chains: Array<[string, string]> = [];
  for (const line of iptablesSave().split('\n')) {
    if (line.startsWith('*')) table = line.slice(1);
    else if (line.startsWith(':NETAVARK')) chains.push([table, line.slice(1).split(' ')[0]!]);
    else if (line.startsWith('-A ') && !line.startsWith('-A NETAVARK') && /-j NETAVARK\S*$/.test(line)) {
      spawnSync('iptables', ['-t', table, '-D', ...ruleArgs(line).slice(1)], { stdio: 'ignore' });
    }
  }
  for (const [t, c] of chains) spawnSync('iptables', ['-t', t, '-F', c], { stdio: 'ignore' });
  for (const [t, c] of chains) spawnSync('iptables', ['-t', t, '-X', c], { stdio: 'ignore' });
}

function removeNewTraces(before: MachineTraces): void {
  for (const d of MACHINE_DIRS) if (!before.dirs.includes(d)) rmSync(d, { recursive: true, force: true });
  if (!before.cgroups) for (const p of cgroupParents()) removeCgroup(p);
  if (!before.chains) removeNetavarkChains();
}

/**
 * conmon processes of exec sessions outlive them (podman keeps an exec inspectable for a
 * while, then cleans it up with the storage paths it was given): ended with the service.
 */
function lingeringConmons(dir: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (argv[0]?.endsWith('conmon') && argv.some((a) => a.startsWith(dir))) pids.push(Number(name));
    } catch { /* gone */ }
  }
  return pids;
}

/** Starts the service; fails (never skips) when podman is missing. */
export async function startPodman(): Promise<Podman> {
  if (spawnSync('podman', ['--version']).status !== 0) {
    throw new Error('podman is not installed (apt-get install podman; .ci/run installs it)');
  }
  const before = machineTraces();
  const dir = mkdtempSync(join(tmpdir(), 'slimts-podman-'));
  const q = (p: string) => JSON.stringify(join(dir, p));
  writeFileSync(join(dir, 'storage.conf'), `[storage]\ndriver = "overlay"\ngraphroot = ${q('root')}\nrunroot = ${q('run')}\n`);
  writeFileSync(join(dir, 'containers.conf'), [
    '[containers]',
    `default_ulimits = ${JSON.stringify(ulimits())}`,
    '[engine]',
    `tmp_dir = ${q('tmp')}`,
    'events_logger = "file"',
    `events_logfile_path = ${q('events.log')}`,
    '[network]',
    `network_config_dir = ${q('networks')}`,
    '',
  ].join('\n'));
  const env = { ...process.env, CONTAINERS_CONF: join(dir, 'containers.conf'), CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf') };
  const socket = join(dir, 'podman.sock');
  let log = '';
  const service: ChildProcess = spawn('podman', ['system', 'service', '--time=0', `unix://${socket}`], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  service.stderr!.on('data', (b: Buffer) => { log = (log + b.toString()).slice(-4000); });
  const exited = new Promise<void>((r) => service.on('exit', () => r()));

  const podman: Podman['podman'] = (args, opts = {}) => {
    const r = spawnSync('podman', args, { env, input: opts.input, maxBuffer: 256 << 20 });
    const out = { status: r.status ?? -1, stdout: r.stdout?.toString() ?? '', stderr: r.stderr?.toString() ?? '' };
    if (!opts.allowFail && out.status !== 0) throw new Error(`podman ${args.join(' ')} exited ${out.status}: ${out.stderr.trim()}`);
    return out;
  };
  const stop = async () => {
    if (service.exitCode === null) {
      podman(['rm', '--all', '--force', '--volumes'], { allowFail: true });
      podman(['rmi', '--all', '--force'], { allowFail: true });
      podman(['volume', 'rm', '--all', '--force'], { allowFail: true });
      service.kill('SIGTERM');
      await exited;
    }
    for (const pid of lingeringConmons(dir)) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    rmSync(dir, { recursive: true, force: true });
    removeNewTraces(before);
  };

  for (const until = Date.now() + 30_000; !(await ping(socket)); ) {
    if (service.exitCode !== null || Date.now() > until) {
      await stop();
      throw new Error(`podman system service did not answer on ${socket}: ${log.trim().split('\n').pop()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host: `unix://${socket}`,
    dir,
    podman,
    loadFromDocker(ref) {
      // streamed: an image is not held here
      const r = spawnSync('bash', ['-o', 'pipefail', '-c', 'docker save "$1" | podman load -q', 'load', ref], { env, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`docker save ${ref} | podman load: ${r.stderr.trim()}`);
    },
    stop,
    leftovers() {
      const now = machineTraces();
      return [
        ...(existsSync(dir) ? [dir] : []),
        ...(readFileSync('/proc/self/mountinfo', 'utf8').includes(dir) ? [`a mount under ${dir}`] : []),
        ...lingeringConmons(dir).map((pid) => `conmon ${pid}`),
        ...now.dirs.filter((d) => !before.dirs.includes(d)),
        ...(now.cgroups && !before.cgroups ? cgroupParents() : []),
        ...(now.chains && !before.chains ? ['netavark firewall chains'] : []),
      ];
    },
  };
}
