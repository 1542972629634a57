// The interpreter + DT_NEEDED closure of an executable, found the way the dynamic loader
// finds it (glibc's ld.so, or musl's when the interpreter is ld-musl-*), over any FileView.
import { posix } from 'node:path';
import { multiarchTriplet, muslArchFromInterp, platformName } from './arch.js';
import { readLdSoConf, readWhole } from './ldconf.js';
import { parseElf } from './parse.js';
import type { ElfInfo } from './parse.js';
import { resolvePath } from '../image/resolve-path.js';
import type { ResolvedPath } from '../image/resolve-path.js';
import type { FileView } from '../image/view.js';

/** How a library was found. */
export type FoundVia = 'interpreter' | 'path' | 'rpath' | 'ld_library_path' | 'runpath' | 'ldconfig' | 'default';

export interface ShipFile {
  /** Real path (no symlink component) of the file or symlink. */
  path: string;
  type: 'file' | 'symlink';
  /** "interpreter of /x" or "needed by /y" (for symlinks: of the object they lead to). */
  reason: string;
  /** The real file this entry is or leads to. */
  object: string;
  /** Real path of the object this one is the interpreter of, or is needed by. */
  neededBy: string;
  /** DT_NEEDED name (libraries only). */
  name?: string;
  via?: FoundVia;
  /** The search directory the library was found in, as searched (before symlinks). */
  dir?: string;
  /** The path the loader opens: PT_INTERP, or search dir + DT_NEEDED name (before symlinks). */
  found: string;
  /** When the search dir came from $ORIGIN: the origin dir substituted (moves with its object). */
  origin?: string;
}

export interface MissingLibrary {
  name: string;
  neededBy: string;
  /** Set when the problem is the interpreter itself (absent, or the wrong class/machine). */
  interpreter?: boolean;
}

export interface LibraryResolution {
  /** ELF facts of the executable; undefined when it is not an ELF (nothing resolved). */
  elf?: ElfInfo;
  /** Real path of the executable. */
  exe: string;
  /** Every file and symlink to ship, deduplicated, in discovery order (links before targets). */
  files: ShipFile[];
  missing: MissingLibrary[];
}

export interface ResolveOptions {
  /** Dirs of LD_LIBRARY_PATH, searched after DT_RPATH and before DT_RUNPATH. */
  ldLibraryPath?: string[];
  /** ld.so.conf dirs (stand-in for ld.so.cache); read from the view when omitted. */
  ldSoConfDirs?: string[];
  /** Replaces the built-in default dirs. */
  defaultDirs?: string[];
  /**
   * ELF facts of a regular file (by real path) from the caller instead of parsed from the
   * view's bytes; undefined means "not an ELF".
   */
  elfOf?: (realPath: string) => ElfInfo | undefined;
}

interface Obj {
  /** Path as found (may contain symlinks): $ORIGIN of libraries comes from it, like glibc. */
  found: string;
  real: string;
  elf: ElfInfo;
  loader?: Obj;
  origin: string;
}

/** musl satisfies these DT_NEEDED names with its own loader (ldso/dynlink.c "reserved"). */
const MUSL_RESERVED = /^lib(c|pthread|rt|m|dl|util|xnet)\./;

/** ELF facts of a file through a view, following symlinks; undefined when absent or not ELF. */
export function elfAt(view: FileView, path: string, opts: Pick<ResolveOptions, 'elfOf'> = {}): ElfInfo | undefined {
  return elfOfResolved(view, resolvePath(view, path), opts);
}

/** ELF facts of a resolved path: from `opts.elfOf` when given, else parsed through the view. */
function elfOfResolved(view: FileView, r: ResolvedPath, opts: Pick<ResolveOptions, 'elfOf'>): ElfInfo | undefined {
  if (!r.stat || r.stat.type !== 'file') return undefined;
  if (opts.elfOf) return opts.elfOf(r.path);
  return parseElf((o, l) => view.read(r.path, o, l), r.stat.size);
}

/** The dirs the loader searches last, most specific first. */
export function defaultLibDirs(elf: Pick<ElfInfo, 'machine' | 'class' | 'endian'>): string[] {
  const t = multiarchTriplet(elf);
  const dirs = t ? [`/lib/${t}`, `/usr/lib/${t}`] : [];
  if (elf.class === 64) dirs.push('/lib64', '/usr/lib64');
  else dirs.push('/lib32', '/usr/lib32');
  dirs.push('/lib', '/usr/lib');
  return dirs;
}

/**
 * The executable's interpreter and DT_NEEDED closure, in the loader's order: the interpreter
 * first, then breadth-first each loaded object's DT_NEEDED names, each searched for the way
 * the loader searches for it (a name with a '/' is a path; else RPATH, LD_LIBRARY_PATH,
 * RUNPATH, ld.so.conf and the default dirs, or musl's order), each found object queued in turn.
 */
export function resolveLibraries(view: FileView, exePath: string, opts: ResolveOptions = {}): LibraryResolution {
  const exeRes = resolvePath(view, exePath);
  const elf = elfOfResolved(view, exeRes, opts);
  if (!elf) return { exe: exeRes.path, files: [], missing: [] };
  const run = startResolution(view, exePath, exeRes, elf, opts);
  loadInterpreter(run);
  for (let i = 0; i < run.queue.length; i++) loadNeeded(run, run.queue[i]!);
  return run.out;
}

/** One resolution: what the loader knows (the view, the executable, its search dirs) and has found so far. */
interface Resolution {
  readonly view: FileView;
  readonly opts: ResolveOptions;
  /** The executable's ELF facts: libraries must match its class, machine and byte order. */
  readonly elf: ElfInfo;
  readonly exe: Obj;
  /** musl's loader (ld-musl-*) searches in its own order and provides libc, libm... itself. */
  readonly musl: boolean;
  readonly ldLibraryPath: string[];
  readonly ldconf: string[];
  readonly defaults: string[];
  interp?: Obj;
  /** Names already satisfied (DT_NEEDED names and sonames), and real paths already loaded. */
  readonly byName: Map<string, Obj>;
  readonly byReal: Map<string, Obj>;
  /** Loaded objects whose DT_NEEDED are still to resolve, in load order (the exe first). */
  readonly queue: Obj[];
  readonly shipped: Set<string>;
  readonly out: LibraryResolution & { elf: ElfInfo };
}

/** A library found for a DT_NEEDED name. */
interface Hit {
  /** The path the loader opens (search dir + name). */
  candidate: string;
  r: ResolvedPath;
  e: ElfInfo;
  via: FoundVia;
  dir?: string;
  origin?: string;
}

/** A directory on a search list, and whether it came from $ORIGIN (the origin substituted). */
interface SearchDir {
  dir: string;
  via: FoundVia;
  origin?: string;
}

function startResolution(view: FileView, exePath: string, exeRes: ResolvedPath, elf: ElfInfo, opts: ResolveOptions): Resolution {
  const exe: Obj = { found: exePath, real: exeRes.path, elf, origin: posix.dirname(exeRes.path) };
  const musl = elf.interpreter !== undefined && muslArchFromInterp(elf.interpreter) !== undefined;
  return {
    view, opts, elf, exe, musl,
    ldLibraryPath: opts.ldLibraryPath ?? [],
    ldconf: opts.ldSoConfDirs ?? (musl ? [] : readLdSoConf(view)),
    defaults: opts.defaultDirs ?? (musl ? muslSysPath(view, elf.interpreter!) : defaultLibDirs(elf)),
    byName: new Map(),
    byReal: new Map([[exe.real, exe]]),
    queue: [exe],
    shipped: new Set(),
    out: { exe: exeRes.path, files: [], missing: [], elf },
  };
}

/** PT_INTERP: shipped with its links, and loaded first (it may satisfy DT_NEEDED names by soname). */
function loadInterpreter(run: Resolution): void {
  const { elf, exe } = run;
  if (!elf.interpreter) return;
  const r = resolvePath(run.view, elf.interpreter);
  const ie = elfOfResolved(run.view, r, run.opts);
  if (!ie || !compatible(elf, ie)) {
    run.out.missing.push({ name: elf.interpreter, neededBy: exe.real, interpreter: true });
    return;
  }
  shipWithLinks(run, r, `interpreter of ${exe.real}`, exe.real, { via: 'interpreter', found: elf.interpreter });
  const interp: Obj = { found: elf.interpreter, real: r.path, elf: ie, loader: exe, origin: posix.dirname(elf.interpreter) };
  run.interp = interp;
  run.byReal.set(r.path, interp);
  run.byName.set(posix.basename(elf.interpreter), interp);
  if (ie.soname) run.byName.set(ie.soname, interp);
  run.queue.push(interp);
}

/** The DT_NEEDED names of `req` not yet satisfied: each found, shipped and loaded, or reported missing. */
function loadNeeded(run: Resolution, req: Obj): void {
  for (const name of req.elf.needed) {
    if (run.byName.has(name)) continue;
    if (run.musl && run.interp && MUSL_RESERVED.test(name)) {
      run.byName.set(name, run.interp);
      continue;
    }
    const hit = findLibrary(run, req, name);
    if (!hit) {
      run.out.missing.push({ name, neededBy: req.real });
      continue;
    }
    const reason = `needed by ${req.real}`;
    shipWithLinks(run, hit.r, reason, req.real, { name, via: hit.via, dir: hit.dir, found: hit.candidate, ...(hit.origin === undefined ? {} : { origin: hit.origin }) });
    load(run, req, name, hit);
    // glibc prefers dir/glibc-hwcaps/<level>/name on CPUs that have <level>: ship those
    // variants too, so the result runs on any CPU, not just on this one.
    if (!run.musl && hit.dir) {
      for (const v of hwcapsVariants(run, hit.dir, name)) {
        shipWithLinks(run, v.r, `hwcaps variant, ${reason}`, req.real, { name, via: hit.via, dir: hit.dir, found: v.candidate });
      }
    }
  }
}

/** Where the loader finds `name` for `req`: a name with a '/' is a path, else the first search dir that has it. */
function findLibrary(run: Resolution, req: Obj, name: string): Hit | undefined {
  if (name.includes('/')) {
    const found = tryDir(run, posix.dirname(name.startsWith('/') ? name : `${req.origin}/${name}`), posix.basename(name));
    return found && { ...found, via: 'path' };
  }
  const seen = new Set<string>();
  for (const { dir, via, origin } of searchList(run, req)) {
    if (seen.has(dir)) continue;
    seen.add(dir);
    const found = tryDir(run, dir, name);
    if (found) return { ...found, via, dir, origin };
  }
  return undefined;
}

/** Marks `name` (and the library's soname) satisfied; a library loaded for the first time is queued. */
function load(run: Resolution, req: Obj, name: string, hit: Hit): void {
  let obj = run.byReal.get(hit.r.path);
  if (!obj) {
    obj = { found: hit.candidate, real: hit.r.path, elf: hit.e, loader: req, origin: posix.dirname(hit.candidate) };
    run.byReal.set(obj.real, obj);
    run.queue.push(obj);
  }
  run.byName.set(name, obj);
  if (hit.e.soname && !run.byName.has(hit.e.soname)) run.byName.set(hit.e.soname, obj);
}

/** The dirs searched for a DT_NEEDED name of `req`, in the loader's order. */
function searchList(run: Resolution, req: Obj): SearchDir[] {
  const list: SearchDir[] = [];
  const add = (dirs: string[] | undefined, origin: string, via: FoundVia) => {
    for (const d of dirs ?? []) {
      const usesOrigin = /\$(\{ORIGIN\}|ORIGIN(?![A-Za-z0-9_]))/.test(d) ? origin : undefined;
      for (const dir of expandTokens(d, origin, run.elf)) list.push({ dir, via, origin: usesOrigin });
    }
  };
  const { exe } = run;
  if (run.musl) {
    add(run.ldLibraryPath, exe.origin, 'ld_library_path');
    for (let p: Obj | undefined = req; p; p = p.loader) add(p.elf.runpath ?? p.elf.rpath, p.origin, p.elf.runpath ? 'runpath' : 'rpath');
    add(run.defaults, exe.origin, 'default');
    return list;
  }
  // glibc: DT_RPATH of the requester and its loaders (each only if it has no DT_RUNPATH),
  // skipped entirely when the requester has DT_RUNPATH.
  if (!req.elf.runpath) {
    for (let p: Obj | undefined = req; p; p = p.loader) if (!p.elf.runpath) add(p.elf.rpath, p.origin, 'rpath');
  }
  add(run.ldLibraryPath, exe.origin, 'ld_library_path');
  add(req.elf.runpath, req.origin, 'runpath');
  if (!req.elf.nodeflib) {
    add(run.ldconf, exe.origin, 'ldconfig');
    add(run.defaults, exe.origin, 'default');
  }
  return list;
}

/** dir/name when it is a shared object the executable can load (same class, machine, byte order). */
function tryDir(run: Resolution, dir: string, name: string): { candidate: string; r: ResolvedPath; e: ElfInfo } | undefined {
  const candidate = `${dir.replace(/\/+$/, '')}/${name}`;
  const r = resolvePath(run.view, candidate);
  const e = elfOfResolved(run.view, r, run.opts);
  if (!e || !compatible(run.elf, e) || e.type !== 'dyn') return undefined;
  return { candidate, r, e };
}

/** dir/glibc-hwcaps/<level>/name for every level present, in name order. */
function hwcapsVariants(run: Resolution, dir: string, name: string): Array<{ candidate: string; r: ResolvedPath; e: ElfInfo }> {
  const hw = `${dir.replace(/\/+$/, '')}/glibc-hwcaps`;
  const r = resolvePath(run.view, hw);
  if (r.stat?.type !== 'dir' || !run.view.listDir) return [];
  return [...run.view.listDir(r.path)].sort().flatMap((level) => tryDir(run, `${hw}/${level}`, name) ?? []);
}

/** Ships the symlinks on the way to `r`, then the file, once each. */
function shipWithLinks(run: Resolution, r: ResolvedPath, reason: string, neededBy: string, rest: Omit<ShipFile, 'path' | 'type' | 'reason' | 'object' | 'neededBy'>): void {
  const ship = (f: ShipFile) => {
    if (run.shipped.has(f.path)) return;
    run.shipped.add(f.path);
    run.out.files.push(f);
  };
  for (const l of r.links) ship({ path: l, type: 'symlink', reason, object: r.path, neededBy, ...rest });
  ship({ path: r.path, type: 'file', reason, object: r.path, neededBy, ...rest });
}

const compatible = (a: ElfInfo, b: ElfInfo) => a.class === b.class && a.machine === b.machine && a.endian === b.endian;

/** Expands $ORIGIN, $LIB and $PLATFORM; $LIB has several plausible values, so all are tried. */
function expandTokens(dir: string, origin: string, elf: ElfInfo): string[] {
  let dirs = [dir.replace(/\$(\{ORIGIN\}|ORIGIN(?![A-Za-z0-9_]))/g, origin).replace(/\$(\{PLATFORM\}|PLATFORM(?![A-Za-z0-9_]))/g, platformName(elf))];
  if (/\$(\{LIB\}|LIB(?![A-Za-z0-9_]))/.test(dirs[0]!)) {
    const t = multiarchTriplet(elf);
    const libs = [...(t ? [`lib/${t}`] : []), elf.class === 64 ? 'lib64' : 'lib32', 'lib'];
    dirs = libs.map((l) => dirs[0]!.replace(/\$(\{LIB\}|LIB(?![A-Za-z0-9_]))/g, l));
  }
  // A still-unexpanded token (or a relative dir) cannot be searched reliably.
  return dirs.filter((d) => d.startsWith('/') && !d.includes('$'));
}

/** musl's search path: /etc/ld-musl-ARCH.path when present, else its built-in default. */
function muslSysPath(view: FileView, interpreter: string): string[] {
  const arch = muslArchFromInterp(interpreter);
  const text = arch ? readWhole(view, `/etc/ld-musl-${arch}.path`) : undefined;
  if (text !== undefined) return text.split(/[\n:]/).map((s) => s.trim()).filter((s) => s.startsWith('/'));
  return ['/lib', '/usr/local/lib', '/usr/lib'];
}
