// Every build option checked before any engine work: a bad tag, output path, port or env var
// must fail in milliseconds, not after a traced run. Throws the first problem as a UserError.
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ImageConfig } from '../image/types.js';
import { parsePlatform } from '../image/platform.js';
import { creationTime } from '../oci/config.js';
import { parseRefName } from '../oci/refname.js';
import { parseMount } from '../run/mounts.js';
import { chooseSink } from '../sink/choose.js';
import type { SinkSpec } from '../sink/types.js';
import { parseKeyValue } from '../util/config-values.js';
import { UserError } from '../util/errors.js';
import { checkExeHost, parseExe } from '../util/host-dest.js';
import { editConfig } from './config-edit.js';
import type { BuildOptions } from './options.js';

const statOrNull = (p: string) => {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
};

function checkKv(values: readonly string[] | undefined, flag: string): void {
  for (const v of values ?? []) parseKeyValue(v, flag, { bare: true });
}

function checkHostFile(path: string, flag: string, executable = false): void {
  const st = statOrNull(path);
  if (!st) throw new UserError(`${flag} ${path}: no such file on this host`);
  if (!st.isFile()) throw new UserError(`${flag} ${path}: not a regular file`);
  try {
    accessSync(path, executable ? constants.X_OK : constants.R_OK);
  } catch {
    throw new UserError(`${flag} ${path}: not ${executable ? 'executable' : 'readable'}`);
  }
}

/** The checks a sink would make when sending, made up front (the parent exists, nothing is in the way). */
export function checkSinkTarget(spec: SinkSpec, flag = '--output'): void {
  if (spec.kind === 'engine') {
    parseRefName(spec.tag);
    return;
  }
  if (spec.kind === 'registry') {
    const ref = parseRefName(spec.ref);
    if (!ref.hasDomain) throw new UserError(`--push "${spec.ref}" names no registry host; use HOST[:PORT]/NAME[:TAG]`);
    return;
  }
  if (spec.tag) parseRefName(spec.tag);
  const parent = statOrNull(dirname(spec.path));
  if (!parent?.isDirectory()) throw new UserError(`${flag}: ${spec.path}: directory ${dirname(spec.path)} does not exist`);
  try {
    accessSync(dirname(spec.path), constants.W_OK);
  } catch {
    throw new UserError(`${flag}: ${spec.path}: directory ${dirname(spec.path)} is not writable`);
  }
  const st = statOrNull(spec.path);
  if (spec.kind === 'oci-archive' && st?.isDirectory()) throw new UserError(`${flag}: ${spec.path} is a directory (an archive path ends in .tar)`);
  if (spec.kind === 'oci-dir' && st && !st.isDirectory()) throw new UserError(`${flag}: ${spec.path} exists and is not a directory`);
  if (spec.kind === 'oci-dir' && st && readdirSync(spec.path).length > 0) throw new UserError(`${flag}: ${spec.path} exists and is not empty`);
}

/** A config with nothing in it: the output edits (--new-..., --remove-...) parse their values against it. */
const EMPTY_CONFIG: ImageConfig = { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } };

/** Runs a check, naming the flag in its error. */
function as(flag: string, check: () => unknown): void {
  try {
    check();
  } catch (err) {
    if (err instanceof UserError && !err.message.startsWith(flag)) throw new UserError(`${flag}: ${err.message}`, err.exitCode);
    throw err;
  }
}

export function validateBuildOptions(opts: BuildOptions): void {
  if (!opts.image || opts.image.trim() === '') throw new UserError('build wants an image reference');
  if (opts.platform !== undefined) as('--platform', () => parsePlatform(opts.platform!));
  checkKv(opts.run?.env, '--env');
  if (opts.run?.workdir !== undefined && !opts.run.workdir.startsWith('/')) {
    throw new UserError(`--workdir wants an absolute path, got "${opts.run.workdir}"`);
  }
  if (opts.run?.user !== undefined && !/^[^:\s]+(?::[^:\s]+)?$/.test(opts.run.user)) {
    throw new UserError(`--user wants USER[:GROUP], got "${opts.run.user}"`);
  }
  for (const m of opts.run?.mounts ?? []) as('--mount', () => parseMount(m));
  if (opts.probes?.script) checkHostFile(opts.probes.script, '--probe-script', true);
  for (const p of opts.probes?.http ?? []) {
    if (p.port !== undefined && (p.port < 1 || p.port > 65535)) throw new UserError(`--http-probe-cmd: port ${p.port} is out of range`);
  }
  for (const e of opts.exes ?? []) checkExeHost(parseExe(e));
  for (const b of opts.select?.includeBins ?? []) {
    if (!b.startsWith('/')) throw new UserError(`--include-bin wants an absolute image path, got "${b}"`);
  }
  checkKv(opts.edits?.env, '--new-env');
  checkKv(opts.edits?.labels, '--new-label');
  if (opts.edits?.workdir !== undefined && !opts.edits.workdir.startsWith('/')) {
    throw new UserError(`--new-workdir wants an absolute path, got "${opts.edits.workdir}"`);
  }
  for (const p of opts.edits?.expose ?? []) as('--new-expose', () => editConfig(EMPTY_CONFIG, { expose: [p] }));
  for (const p of opts.edits?.removeExpose ?? []) as('--remove-expose', () => editConfig(EMPTY_CONFIG, { removeExpose: [p] }));
  editConfig(EMPTY_CONFIG, opts.edits ?? {}); // whatever else the edits parse
  creationTime(); // SOURCE_DATE_EPOCH
  if (opts.output && opts.push) throw new UserError('--output and --push are exclusive: choose one destination');
  if (opts.tag !== undefined) as('--tag', () => parseRefName(opts.tag!));
  if (opts.push !== undefined) as('--push', () => checkSinkTarget(chooseSink({ tag: opts.tag ?? 'x', push: opts.push, insecure: opts.insecureRegistry }), '--push'));
  if (opts.output !== undefined) checkSinkTarget(chooseSink({ tag: opts.tag ?? 'x', output: resolve(opts.output) }));
}
