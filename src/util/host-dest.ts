// The HOST[:DEST] grammar of the flags that put host files into an image: `--exe` (build and
// imagebuild alike) and imagebuild's `--path`. One syntax, one default and one set of errors,
// so the same value means the same thing to both commands:
//   - the last ':' starts DEST, an absolute image path (a HOST whose name holds ':' therefore
//     needs a DEST);
//   - an --exe DEST ending in '/' is a directory the file goes into under its own name;
//   - an --exe without DEST lands at /usr/local/bin/NAME: on every image's default PATH, and
//     clear of the app directories (/app, /srv...) real images already have, where an added
//     file would replace one of the app's.
import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { basename } from 'node:path';
import { UserError } from './errors.js';
import { normalize } from './paths.js';

/** Where an --exe goes without DEST: DEFAULT_EXE_DIR/NAME. */
export const DEFAULT_EXE_DIR = '/usr/local/bin';

/** The --exe flag's value and help, shared by both commands' option lists. */
export const EXE_FLAG = '--exe <HOST[:DEST]>';
export const EXE_DEFAULT_HELP = `default DEST ${DEFAULT_EXE_DIR}/NAME; DEST ending in / is a directory`;

export interface HostDest {
  readonly host: string;
  /** Absolute, as given (not normalised); absent when the value has no ':'. */
  readonly dest?: string;
}

/** "HOST[:DEST]" split at its last ':'; DEST, when there, must be absolute. */
export function splitHostDest(spec: string, flag: string): HostDest {
  if (spec === '') throw new UserError(`${flag}: empty value (want HOST[:DEST])`);
  const i = spec.lastIndexOf(':');
  if (i < 0) return { host: spec };
  const host = spec.slice(0, i);
  const dest = spec.slice(i + 1);
  const bad = (why: string) => new UserError(`${flag} ${JSON.stringify(spec)}: ${why}`);
  if (host === '') throw bad('empty HOST before the \':\' (want HOST[:DEST])');
  if (dest === '') throw bad('empty DEST after the \':\' (want HOST[:DEST])');
  if (!dest.startsWith('/')) throw bad('DEST must be an absolute image path (a HOST with \':\' in its name needs a DEST)');
  return { host, dest };
}

export interface ExeTarget {
  /** The flag's value, for messages and history. */
  readonly spec: string;
  /** Host path as given (relative to the working directory or absolute). */
  readonly host: string;
  /** Normalised absolute image path of the file. */
  readonly dest: string;
}

/** One --exe value: where the host file goes in the image. */
export function parseExe(spec: string): ExeTarget {
  const { host, dest } = splitHostDest(spec, '--exe');
  const name = basename(host);
  if (name === '' || name === '.' || name === '..') throw new UserError(`--exe ${JSON.stringify(spec)}: HOST must name a file`);
  const wanted = dest === undefined ? `${DEFAULT_EXE_DIR}/${name}` : dest.endsWith('/') ? `${dest}${name}` : dest;
  const placed = normalize(wanted);
  if (placed === '/') throw new UserError(`--exe ${JSON.stringify(spec)}: DEST must name a file, not /`);
  return { spec, host, dest: placed };
}

/** The host side of an --exe: a regular file this user can read. Returns its stat. */
export function checkExeHost(t: ExeTarget): Stats {
  let st: Stats;
  try {
    st = statSync(t.host);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`--exe ${t.host}: ${code === 'ENOENT' || code === 'ENOTDIR' ? 'no such file on this host' : `cannot stat: ${code ?? String(err)}`}`);
  }
  if (st.isDirectory()) throw new UserError(`--exe ${t.host}: is a directory, not an executable`);
  if (!st.isFile()) throw new UserError(`--exe ${t.host}: not a regular file`);
  try {
    accessSync(t.host, constants.R_OK);
  } catch (err) {
    throw new UserError(`--exe ${t.host}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return st;
}
