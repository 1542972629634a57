// What a host executable needs in the image: for an ELF its interpreter and libraries, for a
// "#!" script its interpreter (and, for "#!/usr/bin/env X", env and X found on the host PATH),
// each with the symlinks that lead to it, at the same paths as on the host.
import { posix } from 'node:path';
import { execaSync } from 'execa';
import { defaultLibDirs, isElfMagic, parseElf, parseShebang, resolveLibraries, resolvePath, SHEBANG_MAX } from '../elf/index.js';
import type { ElfInfo, FileView } from '../elf/index.js';
import { langOfProgram } from '../refs/index.js';
import { UserError } from '../util/errors.js';
import { DEFAULT_PATH } from '../util/paths.js';

/** The kernel follows at most this many nested "#!" interpreters (BINPRM_MAX_RECURSION). */
const MAX_SCRIPT_DEPTH = 4;


export interface HostFile {
  /** Host path, which is also the image path unless `dest` says otherwise. */
  path: string;
  type: 'file' | 'symlink' | 'dir';
  reason: string;
  /** Image path when it differs from the host's ($ORIGIN-relative libraries of the exe). */
  dest?: string;
  /** The path the kernel or loader opens to reach this file (a base image may already have it). */
  lookup: string;
}

export interface Closure {
  /** Real host path of the executable itself. */
  real: string;
  kind: 'static' | 'dynamic' | 'script';
  /** Every ELF object involved (executable, interpreters, libraries), for the platform check. */
  elves: Array<{ path: string; elf: ElfInfo }>;
  files: HostFile[];
  /** Library dirs the image's loader will not search by itself (found through ld.so.conf). */
  libraryPath: string[];
  /** Host PATH dirs holding programs that "#!/usr/bin/env" looks up. */
  binPath: string[];
  /** For a script: the program that runs it (env's target for "#!/usr/bin/env X") and its "#!" argument. */
  interpreter?: { path: string; arg?: string };
}

export interface ClosureOptions {
  /** Host PATH dirs for "#!/usr/bin/env X". */
  hostPath: string[];
  /** Image dir the executable goes to: $ORIGIN-relative libraries of the exe move with it. */
  destDir: string;
  /** How to name the executable in messages ("--exe ./hello"). */
  label: string;
}

export function closureOf(view: FileView, hostPath: string, opts: ClosureOptions): Closure {
  const top = resolvePath(view, hostPath);
  const out: Closure = { real: top.path, kind: 'static', elves: [], files: [], libraryPath: [], binPath: [] };
  const seen = new Set<string>();
  const ship = (f: HostFile) => {
    const key = `${f.dest ?? f.path}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.files.push(f);
  };

  /** Ships `path` (a program run by the kernel) with its links, then what it needs. */
  const visit = (path: string, reason: string, depth: number, isTop: boolean): void => {
    const r = resolvePath(view, path);
    const what = isTop ? opts.label : `${path} (${reason})`;
    if (!r.stat) throw new UserError(`${what}: no such file`);
    if (r.stat.type === 'dir') throw new UserError(`${what}: is a directory, not an executable`);
    if (r.stat.type !== 'file') throw new UserError(`${what}: not a regular file`);
    let head: Buffer;
    try {
      head = view.read(r.path, 0, SHEBANG_MAX);
    } catch (err) {
      throw new UserError(`${what}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (!isTop) {
      for (const l of r.links) ship({ path: l, type: 'symlink', reason, lookup: path });
      ship({ path: r.path, type: 'file', reason, lookup: path });
    }
    if (isElfMagic(head)) {
      const elf = parseElf((o, n) => view.read(r.path, o, n), r.stat.size);
      if (!elf) throw new UserError(`${what}: malformed ELF file`);
      if (elf.type !== 'exec' && elf.type !== 'dyn') throw new UserError(`${what}: ELF file is not an executable (${elf.type})`);
      out.elves.push({ path: r.path, elf });
      if (isTop) out.kind = elf.static ? 'static' : 'dynamic';
      if (!elf.static) shipLibraries(r.path, elf, isTop);
      return;
    }
    const sb = parseShebang(head);
    if (!sb) throw new UserError(`${what}: not an ELF executable or a #! script`);
    if (isTop) {
      out.kind = 'script';
      out.interpreter = { path: sb.interpreter, arg: sb.arg };
    }
    if (depth >= MAX_SCRIPT_DEPTH) throw new UserError(`${what}: too many nested #! interpreters`);
    if (!sb.interpreter.startsWith('/')) throw new UserError(`${what}: #! interpreter "${sb.interpreter}" is not an absolute path`);
    visit(sb.interpreter, `interpreter of ${r.path}`, depth + 1, false);
    if (posix.basename(sb.interpreter) === 'env') {
      const prog = envProgram(sb.arg);
      if (!prog) return;
      if (depth === 0) out.interpreter = { path: prog };
      if (prog.includes('/')) {
        visit(prog, `run by env in ${r.path}`, depth + 1, false);
        return;
      }
      const found = findOnPath(view, prog, opts.hostPath);
      if (!found) throw new UserError(`${what}: "#!${sb.interpreter} ${sb.arg}": ${prog} not found on the host PATH`);
      const dir = posix.dirname(found);
      if (!DEFAULT_PATH.split(':').includes(dir) && !out.binPath.includes(dir)) out.binPath.push(dir);
      if (depth === 0) out.interpreter = { path: found };
      checkNotShim(view, found, prog, what);
      visit(found, `run by env in ${r.path}`, depth + 1, false);
    }
  };

  const shipLibraries = (real: string, elf: ElfInfo, isTop: boolean): void => {
    const res = resolveLibraries(view, real);
    const m = res.missing[0];
    if (m?.interpreter) throw new UserError(`${m.neededBy}: ELF interpreter ${m.name} not found on the host (or of another architecture)`);
    if (m) throw new UserError(`${m.neededBy}: cannot resolve library ${m.name}${res.missing.length > 1 ? ` (and ${res.missing.length - 1} more)` : ''}`);
    const hostOrigin = posix.dirname(real);
    const safeDirs = new Set(defaultLibDirs(elf));
    for (const f of res.files) {
      if (f.type === 'file') {
        const peer = out.elves.find((e) => e.path === f.path);
        if (!peer) out.elves.push({ path: f.path, elf: parseElf((o, n) => view.read(f.path, o, n), view.lstat(f.path)!.size)! });
      }
      // Only $ORIGIN-derived dirs move with the exe: an absolute RPATH stays where it points.
      const under = (p: string | undefined) => p !== undefined && (p === hostOrigin || p.startsWith(`${hostOrigin}/`));
      const fromOrigin = isTop && under(f.origin) && under(f.dir);
      if (fromOrigin) {
        // The exe moves to destDir, so its $ORIGIN does: put the library where the moved
        // exe's search path will look (lexically the same relative place).
        const dest = posix.normalize(`${opts.destDir}/${f.dir!.slice(hostOrigin.length)}/${f.name}`);
        if (f.type === 'file') ship({ path: f.path, type: 'file', reason: f.reason, dest, lookup: dest });
        continue;
      }
      ship({ path: f.path, type: f.type, reason: f.reason, lookup: f.found });
      if (f.type === 'file' && f.via === 'ldconfig' && f.dir && !safeDirs.has(f.dir) && !out.libraryPath.includes(f.dir)) out.libraryPath.push(f.dir);
    }
  };

  visit(hostPath, opts.label, 0, true);
  return out;
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'ash', 'busybox']);

/**
 * "#!/usr/bin/env python3" where python3 on the host PATH is a shell script (a version
 * manager's shim: pyenv, asdf, rbenv, nodenv...) runs, in the image, a script that execs a
 * tool that is not there. The interpreter the shim picks is asked for its real path, for the fix.
 */
function checkNotShim(view: FileView, found: string, prog: string, what: string): void {
  if (SHELLS.has(prog)) return;
  const r = resolvePath(view, found);
  let head: Buffer;
  try {
    head = view.read(r.path, 0, SHEBANG_MAX);
  } catch {
    return;
  }
  const sb = isElfMagic(head) ? undefined : parseShebang(head);
  const shell = sb && (SHELLS.has(posix.basename(sb.interpreter)) ? posix.basename(sb.interpreter) : posix.basename(sb.interpreter) === 'env' ? envProgram(sb.arg) : undefined);
  if (!shell || !SHELLS.has(shell)) return;
  const real = realInterpreter(found, prog);
  throw new UserError(`${what}: "#!/usr/bin/env ${prog}" finds ${found} on the host PATH, a ${shell} script that runs another program (a version manager's shim?), which the image would not have; use the real interpreter path${real ? ` (${real}): "#!${real}" in the script, or --exe ${real}` : ' in the script\'s "#!" line'}`);
}

/** Where the interpreter a shim runs really is, when it says (sys.executable, $^X, RbConfig, process.execPath). */
function realInterpreter(shim: string, prog: string): string | undefined {
  const lang = langOfProgram(prog);
  const ask = lang === 'python' ? ['-c', 'import sys; print(sys.executable)'] : lang === 'perl' ? ['-e', 'print $^X'] : lang === 'ruby' ? ['-e', 'print RbConfig.ruby'] : lang === 'node' ? ['-p', 'process.execPath'] : undefined;
  if (!ask) return undefined;
  const r = execaSync(shim, ask, { stdin: 'ignore', stderr: 'ignore', timeout: 10_000, maxBuffer: 1 << 16, reject: false });
  const path = r.exitCode === 0 ? String(r.stdout).trim() : '';
  return path.startsWith('/') && path !== shim && !path.includes('\n') ? path : undefined;
}

/** The program "env [-S] [-i] [NAME=VALUE]... PROG" runs, from the one "#!" argument. */
function envProgram(arg: string | undefined): string | undefined {
  for (const w of (arg ?? '').split(/\s+/)) {
    if (w === '' || w.startsWith('-') || w.includes('=')) continue;
    return w;
  }
  return undefined;
}

function findOnPath(view: FileView, prog: string, dirs: string[]): string | undefined {
  for (const d of dirs) {
    if (!d.startsWith('/')) continue;
    const p = `${d.replace(/\/+$/, '')}/${prog}`;
    const r = resolvePath(view, p);
    if (r.stat?.type === 'file' && ((r.stat.mode ?? 0o755) & 0o111) !== 0) return p;
  }
  return undefined;
}
