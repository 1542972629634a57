// Small helpers for tests that drive the real engine through its CLI.
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BASE_IMAGE = process.env.SLIMTS_BASE_TAG ?? 'slimts-base/bookworm:minbase';
export const SLIMTS = `${ROOT}/bin/slimts.js`;

export function docker(args: string[], opts: { input?: string | Buffer; allowFail?: boolean } = {}) {
  const r = spawnSync('docker', args, { input: opts.input, maxBuffer: 256 << 20 });
  const out = { status: r.status ?? -1, stdout: r.stdout?.toString() ?? '', stderr: r.stderr?.toString() ?? '' };
  if (!opts.allowFail && out.status !== 0) {
    throw new Error(`docker ${args.join(' ')} exited ${out.status}: ${out.stderr.trim()}`);
  }
  return out;
}

/** Builds a Dockerfile context dir into `tag` unless the tag already exists (cache by tag). */
export function buildImage(tag: string, contextDir: string, opts: { force?: boolean } = {}): void {
  if (!opts.force && docker(['image', 'inspect', tag], { allowFail: true }).status === 0) return;
  execFileSync('docker', ['build', '--network', 'host', '-q', '-t', tag, contextDir], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Runs the slimts CLI (built into dist/) and returns its status and output. */
export function slimts(args: string[], opts: { env?: Record<string, string>; input?: string } = {}) {
  const r = spawnSync('node', [SLIMTS, ...args], {
    env: { ...process.env, ...opts.env },
    input: opts.input ?? '',
    maxBuffer: 256 << 20,
  });
  return { status: r.status ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * A command prefix that runs the rest as root without the capabilities that let root read any
 * file: a file another user keeps unreadable is then unreadable, while the checkout (root's,
 * wherever it lies) stays readable. Checks of "cannot read" use it instead of switching user.
 */
export const WITHOUT_READ_ALL = ['setpriv', '--bounding-set', '-dac_override,-dac_read_search', '--inh-caps', '-dac_override,-dac_read_search'];
