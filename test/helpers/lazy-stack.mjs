// A real lazy-pull stack for the tests and the lazy bench (plain JS so the bench runs it too;
// test/helpers/lazy.ts gives it types): a private containerd (Debian's, its own
// root/state/socket in a temp dir, CRI off) with the stargz snapshotter daemon
// (containerd-stargz-grpc, built by bin/build-stargz-snapshotter) as its `stargz` proxy
// snapshotter. rpull/run go through Debian's ctr-remote and ctr. stop() removes containers,
// images and snapshots, ends both daemons (the snapshotter unmounts its FUSE layers), lazily
// unmounts anything left under the temp dir and removes it.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const STARGZ_DIR = process.env.SLIMTS_STARGZ_DIR ?? '/usr/local/libexec/slimts';

/** Builds the tools when missing or stale (a no-op otherwise); a failed build throws. */
export function ensureStargzTools() {
  execFileSync('bash', [`${ROOT}/bin/build-stargz-snapshotter`], { stdio: ['ignore', 'ignore', 'inherit'] });
  return { daemon: `${STARGZ_DIR}/containerd-stargz-grpc`, verify: `${STARGZ_DIR}/estargz-verify` };
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: opts.timeout ?? 120_000, maxBuffer: 64 << 20 });
  const out = { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  if (!opts.allowFail && out.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${out.status}: ${(out.stderr || out.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  return out;
}

async function waitFor(what, ok, child, log) {
  for (let i = 0; i < 200; i++) {
    if (ok()) return;
    if (child.exitCode !== null) throw new Error(`${what} exited ${child.exitCode}: ${readFileSync(log, 'utf8').trim().split('\n').slice(-3).join(' | ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not start in 20 s`);
}

/** See lazy.ts for the interface. */
export async function startLazyStack(opts = {}) {
  const { daemon } = ensureStargzTools();
  const work = mkdtempSync(join(tmpdir(), 'slimts-lazy-'));
  const address = join(work, 'containerd.sock');
  const stargzSock = join(work, 'stargz.sock');
  const children = [];
  const spawnLogged = (cmd, args, log) => {
    const out = openSync(log, 'a');
    const c = spawn(cmd, args, { stdio: ['ignore', out, out] });
    children.push(c);
    return c;
  };
  const ctr = (args, o = {}) => run('ctr', ['--address', address, ...args], o);
  const stop = async () => {
    for (const t of ctr(['tasks', 'ls', '-q'], { allowFail: true }).stdout.split('\n').filter(Boolean)) {
      ctr(['tasks', 'kill', '-s', 'SIGKILL', t], { allowFail: true });
      ctr(['tasks', 'delete', '-f', t], { allowFail: true });
    }
    for (const c of ctr(['containers', 'ls', '-q'], { allowFail: true }).stdout.split('\n').filter(Boolean)) ctr(['containers', 'delete', c], { allowFail: true });
    for (const i of ctr(['images', 'ls', '-q'], { allowFail: true }).stdout.split('\n').filter(Boolean)) ctr(['images', 'rm', '--sync', i], { allowFail: true });
    for (const c of children.reverse()) {
      if (c.exitCode !== null || c.signalCode !== null) continue;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    // anything still mounted under the work dir (a killed daemon's FUSE layers), deepest first
    const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(work));
    for (const m of mounts.sort((a, b) => b.length - a.length)) run('umount', ['-l', m], { allowFail: true });
    rmSync(work, { recursive: true, force: true });
  };
  try {
    const fsConfig = join(work, 'stargz.toml');
    writeFileSync(fsConfig, opts.fsConfig ?? '');
    const dlog = join(work, 'stargz.log');
    const d = spawnLogged(daemon, ['-address', stargzSock, '-root', join(work, 'stargz-root'), '-config', fsConfig, '-log-level', 'debug'], dlog);
    await waitFor('containerd-stargz-grpc', () => existsSync(stargzSock), d, dlog);
    writeFileSync(join(work, 'containerd.toml'), [
      'version = 2',
      `root = "${join(work, 'root')}"`,
      `state = "${join(work, 'state')}"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      '[grpc]',
      `  address = "${address}"`,
      '[proxy_plugins]',
      '  [proxy_plugins.stargz]',
      '    type = "snapshot"',
      `    address = "${stargzSock}"`,
      '',
    ].join('\n'));
    const clog = join(work, 'containerd.log');
    const c = spawnLogged('containerd', ['-c', join(work, 'containerd.toml')], clog);
    await waitFor('containerd', () => existsSync(address) && ctr(['version'], { allowFail: true }).status === 0, c, clog);
    // the snapshotter answers once its gRPC service is up
    await waitFor('stargz snapshotter', () => ctr(['snapshots', '--snapshotter', 'stargz', 'ls'], { allowFail: true }).status === 0, d, dlog);
  } catch (err) {
    await stop();
    throw err;
  }
  const timed = (fn) => {
    const t = performance.now();
    fn();
    return performance.now() - t;
  };
  return {
    work,
    address,
    rpull: (ref) => timed(() => run('ctr-remote', ['--address', address, 'images', 'rpull', '--plain-http', ref], { timeout: 600_000 })),
    pull: (ref) => timed(() => ctr(['images', 'pull', '--plain-http', ref], { timeout: 600_000 })),
    start(ref, id, snapshotter) {
      ctr(['run', '-d', '--snapshotter', snapshotter, ref, id]);
      const pid = Number(ctr(['tasks', 'ls']).stdout.split('\n').find((l) => l.startsWith(`${id} `))?.trim().split(/\s+/)[1]);
      if (!pid) throw new Error(`ctr: no task ${id}`);
      return pid;
    },
    runOnce: (ref, id, snapshotter) => ctr(['run', '--rm', '--snapshotter', snapshotter, ref, id], { timeout: 120_000 }).stdout,
    kill(id) {
      ctr(['tasks', 'kill', '-s', 'SIGKILL', id], { allowFail: true });
      for (let i = 0; i < 50 && ctr(['tasks', 'delete', id], { allowFail: true }).status !== 0; i++) spawnSync('sleep', ['0.1']);
      ctr(['containers', 'delete', id], { allowFail: true });
    },
    lazilyMounted(layer) {
      // The snapshotter resolves the layer's blob in the registry and says it prepared a remote
      // snapshot; the fs then logs its background prefetch of that layer (shortly after).
      for (let i = 0; i < 100; i++) {
        const log = readFileSync(join(work, 'stargz.log'), 'utf8');
        if (log.includes('remote-snapshot-prepared=true') && log.includes(`/${layer}"`) && log.includes(`layer_sha="${layer}"`)) return true;
        spawnSync('sleep', ['0.1']);
      }
      return false;
    },
    forget(ref) {
      ctr(['images', 'rm', '--sync', ref], { allowFail: true });
      for (const s of ['stargz', 'overlayfs']) {
        // leaves first: a snapshot with children cannot go
        for (let pass = 0; pass < 5; pass++) {
          const keys = ctr(['snapshots', '--snapshotter', s, 'ls'], { allowFail: true }).stdout.split('\n').slice(1).map((l) => l.split(/\s+/)[0]).filter(Boolean);
          if (!keys.length) break;
          for (const k of keys) ctr(['snapshots', '--snapshotter', s, 'rm', k], { allowFail: true });
        }
      }
      ctr(['content', 'prune', 'references'], { allowFail: true });
    },
    daemonLog: () => readFileSync(join(work, 'stargz.log'), 'utf8'),
    stop,
  };
}
