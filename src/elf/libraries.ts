// The interpreter + DT_NEEDED closure of an executable, found the way the dynamic loader
// finds it (glibc's ld.so, or musl's when the interpreter is ld-musl-*), over any FileView.
import { posix } from 'node:path';
import { multiarchTriplet, muslArchFromInterp, platformName } from './arch.js';
import { readLdSoConf, readWhole } from './ldconf.js';
import { parseElf } from './parse.js';
import type { ElfInfo } from './parse.js';
import { resolvePath } from './resolve-path.js';
import type { ResolvedPath } from './resolve-path.js';
import type { FileView } from './view.js';

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

export function resolveLibraries(view: FileView, exePath: string, opts: ResolveOptions = {}): LibraryResolution {
  const exeRes = resolvePath(view, exePath);
  const out: LibraryResolution = { exe: exeRes.path, files: [], missing: [] };
  const elf = elfOfResolved(view, exeRes, opts);
  if (!elf) return out;
  out.elf = elf;

  const shipped = new Set<string>();
  const ship = (f: ShipFile) => {
    if (shipped.has(f.path)) return;
    shipped.add(f.path);
    out.files.push(f);
  };
  const compatible = (e: ElfInfo) => e.class === elf.class && e.machine === elf.machine && e.endian === elf.endian;

  const exe: Obj = { found: exePath, real: exeRes.path, elf, origin: posix.dirname(exeRes.path) };
  // Names already satisfied (DT_NEEDED names and sonames), and real paths already loaded.
  const byName = new Map<string, Obj>();
  const byReal = new Map<string, Obj>();
  byReal.set(exe.real, exe);
  const queue: Obj[] = [exe];

  const musl = elf.interpreter !== undefined && muslArchFromInterp(elf.interpreter) !== undefined;
  let interp: Obj | undefined;
  if (elf.interpreter) {
    const reason = `interpreter of ${exeRes.path}`;
    const neededBy = exeRes.path;
    const r = resolvePath(view, elf.interpreter);
    const ie = elfOfResolved(view, r, opts);
    if (!ie || !compatible(ie)) {
      out.missing.push({ name: elf.interpreter, neededBy: exeRes.path, interpreter: true });
    } else {
      const found = elf.interpreter;
      for (const l of r.links) ship({ path: l, type: 'symlink', reason, object: r.path, neededBy, via: 'interpreter', found });
      ship({ path: r.path, type: 'file', reason, object: r.path, neededBy, via: 'interpreter', found });
      interp = { found: elf.interpreter, real: r.path, elf: ie, loader: exe, origin: posix.dirname(elf.interpreter) };
      byReal.set(r.path, interp);
      byName.set(posix.basename(elf.interpreter), interp);
      if (ie.soname) byName.set(ie.soname, interp);
      queue.push(interp);
    }
  }

  const ldconf = opts.ldSoConfDirs ?? (musl ? [] : readLdSoConf(view));
  const defaults = opts.defaultDirs ?? (musl ? muslSysPath(view, elf.interpreter!) : defaultLibDirs(elf));
  const ldLibraryPath = opts.ldLibraryPath ?? [];
  const expand = (dir: string, origin: string) => expandTokens(dir, origin, elf);

  const tryDir = (dir: string, name: string) => {
    const candidate = `${dir.replace(/\/+$/, '')}/${name}`;
    const r = resolvePath(view, candidate);
    const e = elfOfResolved(view, r, opts);
    if (!e || !compatible(e) || e.type !== 'dyn') return undefined;
    return { candidate, r, e };
  };

  const hwcapsVariants = (dir: string, name: string) => {
    const hw = `${dir.replace(/\/+$/, '')}/glibc-hwcaps`;
    const r = resolvePath(view, hw);
    if (r.stat?.type !== 'dir' || !view.listDir) return [];
    return [...view.listDir(r.path)].sort().flatMap((level) => tryDir(`${hw}/${level}`, name) ?? []);
  };

  /** The search list for `name` requested by `req`, in loader order. */
  const searchList = (req: Obj): Array<[string, FoundVia, string | undefined]> => {
    const list: Array<[string, FoundVia, string | undefined]> = [];
    const add = (dirs: string[] | undefined, origin: string, via: FoundVia) => {
      for (const d of dirs ?? []) {
        const usesOrigin = /\$(\{ORIGIN\}|ORIGIN(?![A-Za-z0-9_]))/.test(d) ? origin : undefined;
        for (const x of expand(d, origin)) list.push([x, via, usesOrigin]);
      }
    };
    if (musl) {
      add(ldLibraryPath, exe.origin, 'ld_library_path');
      for (let p: Obj | undefined = req; p; p = p.loader) add(p.elf.runpath ?? p.elf.rpath, p.origin, p.elf.runpath ? 'runpath' : 'rpath');
      add(defaults, exe.origin, 'default');
      return list;
    }
    // glibc: DT_RPATH of the requester and its loaders (each only if it has no DT_RUNPATH),
    // skipped entirely when the requester has DT_RUNPATH.
    if (!req.elf.runpath) {
      for (let p: Obj | undefined = req; p; p = p.loader) if (!p.elf.runpath) add(p.elf.rpath, p.origin, 'rpath');
    }
    add(ldLibraryPath, exe.origin, 'ld_library_path');
    add(req.elf.runpath, req.origin, 'runpath');
    if (!req.elf.nodeflib) {
      add(ldconf, exe.origin, 'ldconfig');
      add(defaults, exe.origin, 'default');
    }
    return list;
  };

  for (let i = 0; i < queue.length; i++) {
    const req = queue[i]!;
    const reason = `needed by ${req.real}`;
    const neededBy = req.real;
    for (const name of req.elf.needed) {
      if (byName.has(name)) continue;
      if (musl && interp && MUSL_RESERVED.test(name)) {
        byName.set(name, interp);
        continue;
      }
      let hit: { candidate: string; r: ReturnType<typeof resolvePath>; e: ElfInfo; via: FoundVia; dir?: string; origin?: string } | undefined;
      if (name.includes('/')) {
        const found = tryDir(posix.dirname(name.startsWith('/') ? name : `${req.origin}/${name}`), posix.basename(name));
        if (found) hit = { ...found, via: 'path' };
      } else {
        const seen = new Set<string>();
        for (const [dir, via, origin] of searchList(req)) {
          if (seen.has(dir)) continue;
          seen.add(dir);
          const found = tryDir(dir, name);
          if (found) {
            hit = { ...found, via, dir, origin };
            break;
          }
        }
      }
      if (!hit) {
        out.missing.push({ name, neededBy: req.real });
        continue;
      }
      const found = hit.candidate;
      const o = hit.origin === undefined ? {} : { origin: hit.origin };
      for (const l of hit.r.links) ship({ path: l, type: 'symlink', reason, object: hit.r.path, neededBy, name, via: hit.via, dir: hit.dir, found, ...o });
      ship({ path: hit.r.path, type: 'file', reason, object: hit.r.path, neededBy, name, via: hit.via, dir: hit.dir, found, ...o });
      let obj = byReal.get(hit.r.path);
      if (!obj) {
        obj = { found: hit.candidate, real: hit.r.path, elf: hit.e, loader: req, origin: posix.dirname(hit.candidate) };
        byReal.set(obj.real, obj);
        queue.push(obj);
      }
      byName.set(name, obj);
      if (hit.e.soname && !byName.has(hit.e.soname)) byName.set(hit.e.soname, obj);
      if (!musl && hit.dir) {
        // glibc prefers dir/glibc-hwcaps/<level>/name on CPUs that have <level>: ship those
        // variants too, so the result runs on any CPU, not just on this one.
        for (const v of hwcapsVariants(hit.dir, name)) {
          for (const l of v.r.links) ship({ path: l, type: 'symlink', reason: `hwcaps variant, ${reason}`, object: v.r.path, neededBy, name, via: hit.via, dir: hit.dir, found: v.candidate });
          ship({ path: v.r.path, type: 'file', reason: `hwcaps variant, ${reason}`, object: v.r.path, neededBy, name, via: hit.via, dir: hit.dir, found: v.candidate });
        }
      }
    }
  }
  return out;
}

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
