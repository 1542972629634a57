// What a kept ELF file can reach by a name compiled into it (its read-only data's strings,
// src/elf/strings.ts), resolved in the filesystem it runs in:
//   - paths: an absolute path that exists is kept (a file as itself; a directory whole when it
//     holds data, is small, or holds the helper programs of a file that runs programs by name
//     or the plugins of one that loads libraries by name: keptWhole), also one written relative to the
//     program's install prefix ("share/git-core/templates" for /usr/bin/git); a base name the program appends a suffix to ("/usr/share/misc/magic" →
//     magic.mgc); a Go string run on into the next (no NUL ends it);
//   - programs: when the file imports a call that searches PATH (execvp, posix_spawnp, system,
//     popen...), the executables on PATH named by a path's file name, or (system, popen) by a
//     command line's first word, and, in a program (not a shared library), by whole string
//     literals that can be a program's name (programName: one merged by the linker into the end
//     of a longer string counts when code points at it);
//   - libraries: when it imports dlopen, the `lib*.so*` names, found as the loader finds them
//     (the requester's RPATH/RUNPATH, LD_LIBRARY_PATH, ld.so.conf, the default dirs), a
//     version suffix appended to a base name ("libfoo.so" → libfoo.so.1).
import { defaultLibDirs, DLOPEN_IMPORTS, exportedNames, EXEC_IMPORTS, isElfMagic, resolvePath } from '../elf/index.js';
import type { ElfInfo, ElfStrings } from '../elf/index.js';
import { DEFAULT_PATH, joinPath, normalize, parentPath } from '../util/paths.js';
import { Fs, isBroad } from './resolve/context.js';

export type BinaryMechanism = 'binary-path' | 'binary-program' | 'binary-library';

export interface BinaryRef {
  mechanism: BinaryMechanism;
  /** What to keep (through its links). */
  path: string;
  /** A directory kept whole. */
  subtree?: boolean;
  /** The string of the ELF file that names it. */
  string: string;
  /** How the string names it ("tail of", "suffix appended"...), for the reason. */
  how?: string;
}

export interface BinaryContext {
  fs: Fs;
  /** The image's PATH (config Env), or undefined for the default. */
  pathVar?: string;
  ldLibraryPath: readonly string[];
  ldSoConfDirs: readonly string[];
  /** Told when a file's whole strings name more than MAX_PROGRAM_WORDS programs (none of them kept). */
  tooMany?: (file: string, names: string[]) => void;
  /** Whether a file is a program that runs its arguments (`launchers`): its whole strings name no programs. */
  isLauncher?: (file: string) => boolean;
}

/** The part of a traced exec `launchers` reads. */
export interface ExecEvent {
  pid?: number;
  /** 'x' for an exec (or a script's or program's interpreter: syscall 'interp'). */
  intent: string;
  syscall: string;
  path: string;
  ok: boolean;
}

/**
 * Programs the run saw replace themselves, in the same process, with another program: env,
 * nice, nohup, chroot, stdbuf, gosu run the command their caller gives them. What such a
 * program runs is named by its callers (a `#!/usr/bin/env python3` line, a shell's command
 * word: those references are followed), so its own whole strings are not program names (they
 * are its messages and help links: coreutils' `env` lists `sha224sum`…`sha512sum`, `[`).
 * The dynamic loader that starts each program (`ld-*.so*`) does not count as a program.
 * `real` maps a traced path to the file it is (through links).
 */
export function launchers(events: Iterable<ExecEvent>, real: (path: string) => string | undefined): Set<string> {
  const last = new Map<number, string>();
  const out = new Set<string>();
  for (const ev of events) {
    if (ev.intent !== 'x' || !ev.ok || ev.pid === undefined || !ev.path.startsWith('/')) continue;
    const base = ev.path.slice(ev.path.lastIndexOf('/') + 1);
    if (ev.syscall === 'interp' && /^ld[-.].*\.so/.test(base)) continue;
    const path = real(ev.path);
    if (!path) continue;
    const prev = last.get(ev.pid);
    // a script's interpreter follows the script's exec in the same process: the script did not run it
    if (prev && prev !== path && ev.syscall !== 'interp') out.add(prev);
    last.set(ev.pid, path);
  }
  return out;
}

/**
 * More whole strings than this naming programs on PATH are a vocabulary, not helpers (a
 * program runs a handful of helpers by name: compressors, a pager, a shell, a transport).
 */
export const MAX_PROGRAM_WORDS = 12;

/** How many entries below a directory are looked at for code. */
const DATA_WALK = 2_000;

/** Virtual filesystems: never in an image, never worth keeping. */
const VIRTUAL = /^\/(proc|sys|dev)(\/|$)/;
/** A program name: no '/', no spaces, not starting with '-'. */
const PROGRAM_NAME = /^[A-Za-z0-9_[][\w.+[\]-]*$/;

/** Everything `file` names in its strings, as mechanism + path to keep. */
export function binaryRefs(file: string, elf: ElfInfo, strings: ElfStrings, ctx: BinaryContext): BinaryRef[] {
  const out: BinaryRef[] = [];
  const system = isSystemRuntime(file, elf);
  const imports = new Set(strings.imports ?? elf.imports ?? []);
  const can: Can = { run: EXEC_IMPORTS.some((i) => imports.has(i)), load: DLOPEN_IMPORTS.some((i) => imports.has(i)) };
  for (const s of strings.paths) {
    for (const r of pathRefs(s, ctx.fs, strings.go === true, can)) out.push(system && r.subtree ? { ...r, subtree: false } : r);
  }
  out.push(...prefixRefs(file, strings, ctx.fs, can));
  if (strings.words && EXEC_IMPORTS.some((i) => imports.has(i))) {
    const shell = imports.has('system') || imports.has('popen');
    out.push(...programRefs(file, elf, strings.words, ctx, shell));
  }
  if (strings.words && DLOPEN_IMPORTS.some((i) => imports.has(i))) out.push(...libraryRefs(file, elf, strings.words, ctx));
  return out;
}

/** A path below an install prefix, as a relocatable program writes it: "share/git-core/templates". */
const PREFIX_RELATIVE = /^(share|lib|lib64|libexec|etc)\/[\w.+@-]+(\/[\w.+@-]+)*\/?$/;

/**
 * Paths a program finds relative to its install prefix (the parent of its bin/ or sbin/: /usr
 * for /usr/bin/git), as relocatable builds do (git's system_path("share/git-core/templates")):
 * the relative strings among its whole strings that exist under that prefix.
 */
function prefixRefs(file: string, strings: ElfStrings, fs: Fs, can: Can): BinaryRef[] {
  if (!strings.words || !/\/s?bin\/[^/]+$/.test(file)) return [];
  const prefix = parentPath(parentPath(file));
  const out: BinaryRef[] = [];
  for (const w of strings.words) {
    if (!PREFIX_RELATIVE.test(w)) continue;
    for (const r of pathRefs(joinPath(prefix, w), fs, false, can)) out.push({ ...r, string: w, how: `${r.how ? r.how + ' ' : ''}install prefix ${prefix} +` });
  }
  return out;
}

/**
 * The C library and the dynamic loader: linked into every program, their strings name the
 * system's data (zone files, locales, charset modules) for calls a program may never make.
 * Which of it a program needs follows from what it calls and reads (src/refs/datasets.ts):
 * their files are kept, their directories not whole.
 */
export function isSystemRuntime(file: string, elf: ElfInfo): boolean {
  const name = elf.soname ?? file.slice(file.lastIndexOf('/') + 1);
  return /^(libc\.so\.\d+|ld-linux[\w.-]*\.so\.\d+|ld64\.so\.\d+|libc\.musl-\w+\.so\.\d+|ld-musl-\w+\.so\.\d+)$/.test(name);
}

/** What the program that names a directory can do with its files besides reading them. */
export interface Can {
  /** It runs programs by name (imports an exec call). */
  run: boolean;
  /** It loads libraries by name (imports dlopen). */
  load: boolean;
}
const READS_ONLY: Can = { run: false, load: false };

/** A path string: what exists of it. */
export function pathRefs(raw: string, fs: Fs, go: boolean, can: Can = READS_ONLY): BinaryRef[] {
  const p = normalize(raw);
  if (p === '/' || VIRTUAL.test(p)) return [];
  const dir = parentPath(p);
  const base = p.slice(p.lastIndexOf('/') + 1);
  const names = dir !== '/' && base !== '' && fs.isDir(dir) ? fs.list(dir) : [];
  // a base name the program appends an extension to (libmagic's "…/magic" + ".mgc"), whether
  // or not the base itself exists
  const suffixed = names.filter((n) => n.startsWith(base + '.') && /^\.[A-Za-z][A-Za-z0-9]{0,7}$/.test(n.slice(base.length)));
  const out: BinaryRef[] = suffixed.length > 4 ? [] : suffixed.map((n) => ({ mechanism: 'binary-path' as const, path: joinPath(dir, n), string: raw, how: 'extension appended to' }));
  const st = fs.stat(p);
  if (st) return [{ mechanism: 'binary-path', path: p, string: raw, ...(st.type === 'dir' && keptWhole(fs, p, can) ? { subtree: true } : {}) }, ...out];
  if (out.length > 0 || !go) return out;
  return goRuns(p, raw, fs, can);
}

/**
 * A Go string is not NUL-terminated, so a run may be several strings back to back
 * ("/etc/hostsHTTP/1.1/srv/data/tablesGET"). Walked component by component: where a
 * component does not exist, the child whose name it starts with ends one string (hosts), or
 * a deep enough existing prefix does (the next string starts with '/'); the walk restarts
 * after it.
 */
function goRuns(p: string, raw: string, fs: Fs, can: Can): BinaryRef[] {
  const comps = p.split('/').filter(Boolean);
  const out: BinaryRef[] = [];
  const emit = (path: string, how: string) => {
    const st = fs.stat(path);
    if (!st || (st.type === 'dir' && isBroad(path))) return;
    out.push({ mechanism: 'binary-path', path, string: raw, how, ...(st.type === 'dir' && keptWhole(fs, path, can) ? { subtree: true } : {}) });
  };
  let start = 0;
  while (start < comps.length && out.length < 16) {
    let k = start;
    while (k < comps.length && fs.stat('/' + comps.slice(start, k + 1).join('/'))) k++;
    if (k === comps.length) {
      if (start > 0) emit('/' + comps.slice(start).join('/'), 'part of');
      break;
    }
    const parent = '/' + comps.slice(start, k).join('/');
    const glued = k > start
      ? fs.list(parent).filter((n) => n.length >= 3 && comps[k]!.startsWith(n)).sort((x, y) => y.length - x.length)[0]
      : undefined;
    if (glued) {
      emit(joinPath(parent, glued), 'run into the next string');
      start = k + 1;
    } else if (k - start >= 2) {
      emit(parent, 'run into the next string');
      start = k;
    } else start = k + 1;
  }
  return out;
}

/** A directory this small is kept whole whatever else it holds (entries, bytes in all). */
const SMALL_DIR = { entries: 64, bytes: 1 << 20 };

/**
 * Whether a directory a compiled-in path names is kept whole (within the subtree bound):
 *   - never a broad system directory (/usr/share, /usr/lib/<triplet>...);
 *   - never one holding modules of an interpreted language: the import scanners find those
 *     one by one (a runtime's library directory);
 *   - a small one (SMALL_DIR): a tree the program copies (git's templates, sample hooks
 *     included), a skeleton; keeping it costs less than guessing how the program reads it;
 *   - a directory mostly of executables, when the program runs programs by name: its helpers
 *     (git's exec-path, run by names it computes: "git-" + a subcommand);
 *   - a directory mostly of shared objects, when the program loads libraries by name: its
 *     plugins (gawk's extensions, `@load "ordchr"`);
 *   - else data only, no executable or shared object anywhere below (a package database's
 *     maintainer scripts): files directly in it, at least as many as subdirectories (a
 *     directory of per-package or per-language subdirectories is a namespace, not one
 *     program's data), or only one-character subdirectories (the buckets of a keyed
 *     database: terminfo).
 */
function keptWhole(fs: Fs, dir: string, can: Can): boolean {
  if (isBroad(dir)) return false;
  // many kept files name the same directories (/usr/share/locale, their own data): walked once
  const held = fs.memo('dir-contents', dir, () => contents(fs, dir));
  if (held.modules) return false;
  if (held.entries <= SMALL_DIR.entries && held.bytes <= SMALL_DIR.bytes) return true;
  const top = { files: 0, dirs: 0, buckets: 0, executables: 0, sharedObjects: 0 };
  for (const n of fs.list(dir)) {
    const st = fs.stat(joinPath(dir, n));
    if (st?.type === 'dir') {
      top.dirs++;
      if (n.length === 1) top.buckets++;
    } else if (st?.type === 'file') {
      top.files++;
      if (SHARED_OBJECT.test(n)) top.sharedObjects++;
      else if (((st.mode ?? 0) & 0o111) !== 0) top.executables++;
    }
  }
  if (can.run && top.executables * 2 > top.files) return true;
  if (can.load && top.sharedObjects * 2 > top.files) return true;
  if (held.executables || held.sharedObjects) return false;
  return (top.files > 0 && top.files >= top.dirs) || (top.dirs > 0 && top.buckets === top.dirs);
}

/** A module of an interpreted language (or its compiled form): found through imports, not kept as data. */
const MODULE_FILE = /\.(py|pyc|rb|pm|pl|js|mjs|cjs|php|lua|tcl|class|jar)$/;
const SHARED_OBJECT = /\.so(\.[\d.]+)?$/;

/** What is below `dir` (looked at up to DATA_WALK entries; a larger tree is the subtree bound's to cut). */
function contents(fs: Fs, dir: string): { entries: number; bytes: number; modules: boolean; executables: boolean; sharedObjects: boolean } {
  const out = { entries: 0, bytes: 0, modules: false, executables: false, sharedObjects: false };
  const stack = [dir];
  while (stack.length > 0 && out.entries < DATA_WALK) {
    const d = stack.pop()!;
    for (const n of fs.list(d)) {
      if (++out.entries > DATA_WALK) break;
      const p = joinPath(d, n);
      // through links: the directory itself may be reached through one (/lib → usr/lib)
      const st = fs.view.lstat(p)?.type === 'symlink' ? undefined : fs.stat(p);
      if (st?.type === 'dir') stack.push(p);
      if (st?.type !== 'file') continue;
      out.bytes += st.size;
      if (MODULE_FILE.test(n)) out.modules = true;
      else if (SHARED_OBJECT.test(n)) out.sharedObjects = true;
      else if (((st.mode ?? 0) & 0o111) !== 0) out.executables = true;
    }
  }
  return out;
}

/** Executables on PATH by name → their path (the first on PATH), per filesystem and PATH. */
export function executablesOnPath(fs: Fs, pathVar: string | undefined): Map<string, string> {
  const key = pathVar ?? DEFAULT_PATH;
  return fs.memo('executables-on-path', key, () => {
    const m = new Map<string, string>();
    for (const dir of key.split(':')) {
      if (!dir.startsWith('/')) continue;
      for (const n of fs.list(dir)) {
        if (m.has(n) || !PROGRAM_NAME.test(n)) continue;
        const st = fs.stat(joinPath(dir, n));
        if (st?.type === 'file' && ((st.mode ?? 0) & 0o111) !== 0) m.set(n, joinPath(dir, n));
      }
    }
    return m;
  });
}

/**
 * Programs on PATH named by a path's file name, (for a shell) a command line's first word, or
 * (in a program) whole strings that can be a program's name.
 */
function programRefs(file: string, elf: ElfInfo, words: readonly string[], ctx: BinaryContext, shell: boolean): BinaryRef[] {
  const exes = executablesOnPath(ctx.fs, ctx.pathVar);
  if (exes.size === 0) return [];
  const self = file.slice(file.lastIndexOf('/') + 1);
  const library = isSharedLibrary(file, elf);
  const launcher = ctx.isLauncher?.(file) === true;
  const calls = cLibraryNames(ctx.fs, elf, searchDirs(file, elf, ctx));
  const found = new Map<string, BinaryRef>();
  const words_ = new Map<string, BinaryRef>();
  const hit = (into: Map<string, BinaryRef>, name: string, word: string, how?: string) => {
    const path = exes.get(name);
    if (!path || name === self || found.has(name) || into.has(name)) return;
    into.set(name, { mechanism: 'binary-program', path, string: word, ...(how ? { how } : {}) });
  };
  for (const w of words) {
    // a whole literal (on x86-64 also one the linker merged into a longer string's end: the
    // strings extractor adds those that code points at)
    if (!library && !launcher && exes.has(w) && programName(w, calls)) hit(words_, w, w);
    // a program's path in a bin directory ("/usr/local/bin/xz" when xz is elsewhere on PATH)
    const bin = /^\/(?:[^\s/]+\/)*s?bin\/([^\s/]+)$/.exec(w);
    if (bin) hit(found, bin[1]!, w, 'file name in');
    // (system, popen) a command line: a program name, then an option, a path or a redirection
    if (shell) {
      const m = /^\s*(?:exec\s+)?([A-Za-z0-9_][\w.+-]*)\s+[-/%<>|'"$]/.exec(w);
      // a C call's name before a printf conversion is a message ("free %d-sized PyTupleObject"),
      // as a whole word is; before an option or a path it runs the program ("uname -r")
      if (m && programName(m[1]!, /^\s*(?:exec\s+)?\S+\s+%/.test(w) ? calls : undefined)) hit(found, m[1]!, w, 'command line');
    }
  }
  // a file whose whole strings name many programs is using words (an interpreter's method
  // names: "join", "sort", "find"), not naming helpers: those are not kept, and are reported
  if (words_.size > MAX_PROGRAM_WORDS) {
    ctx.tooMany?.(file, [...words_.keys()]);
  } else for (const [k, v] of words_) if (!found.has(k)) found.set(k, v);
  return [...found.values()];
}

/**
 * Whether a whole string can be the name of a program the file runs, by how compiled code
 * names one (not by a list of names):
 *   - at least two characters, one of them a letter: the one-character strings of read-only
 *     data are fopen modes ("r", "w"), separators and operators ("[", ":"); the programs with
 *     such names (`[`, `w`) are shell syntax and interactive tools, not helpers code runs;
 *   - not the name of a function of the C library the file is linked with: a word like "stat",
 *     "unlink", "mkdir", "time" in a program's strings names the call in a diagnostic ("cannot
 *     stat %s") or a table of calls, and code that needs what the utility of that name does
 *     makes the call itself (a command line, "uname -r", still counts: that runs the program).
 */
export function programName(w: string, cLibrary: ReadonlySet<string> | undefined): boolean {
  if (w.length < 2 || !/[A-Za-z]/.test(w)) return false;
  return !cLibrary?.has(w);
}

/**
 * A shared library, not a program: its whole-word strings are the vocabulary of its parsers
 * and protocols ("yes", "true", a file system's name, a field's name), on behalf of whichever
 * program loads it, which calls few of its functions. A library that runs a helper names it
 * by path or by command line (those still count); a bare word does not name one.
 */
export function isSharedLibrary(file: string, elf: ElfInfo): boolean {
  const base = file.slice(file.lastIndexOf('/') + 1);
  return /\.so(\.[\d.]+)?$/.test(base) || (elf.type === 'dyn' && elf.interpreter === undefined && !elf.static);
}

/** The names the C library the file is linked with exports (undefined when it is not found). */
function cLibraryNames(fs: Fs, elf: ElfInfo, dirs: readonly string[]): Set<string> | undefined {
  const name = elf.needed.find((n) => /^(libc\.so\.\d+|libc\.musl-\w+\.so\.\d+)$/.test(n))
    ?? (elf.interpreter && /ld-musl-\w+\.so\.\d+$/.test(elf.interpreter) ? elf.interpreter : undefined);
  if (!name) return undefined;
  const found = name.startsWith('/') ? name : dirs.map((d) => joinPath(d, name)).find((p) => fs.isFile(p));
  // read at the file itself: an image's view reads entries, not the links on the way (/lib → usr/lib)
  const real = found === undefined ? undefined : resolvePath(fs.view, found);
  if (!real || real.stat?.type !== 'file') return undefined;
  const path = real.path;
  const size = real.stat.size;
  return fs.memo('c-library-names', path, () => {
    try {
      const read = (o: number, n: number) => fs.view.read(path, o, n);
      return size > 0 && isElfMagic(read(0, 4)) ? exportedNames(read, size) : undefined;
    } catch {
      return undefined;
    }
  });
}

/** Where the loader looks for a library `file` loads by name (RPATH, LD_LIBRARY_PATH, RUNPATH, ld.so.conf, the defaults). */
function searchDirs(file: string, elf: ElfInfo, ctx: BinaryContext): string[] {
  const origin = parentPath(file);
  const expand = (d: string) => d.replace(/\$(\{ORIGIN\}|ORIGIN(?![A-Za-z0-9_]))/g, origin);
  return [...new Set([
    ...(elf.runpath ? [] : elf.rpath ?? []).map(expand), ...ctx.ldLibraryPath, ...(elf.runpath ?? []).map(expand),
    ...ctx.ldSoConfDirs, ...defaultLibDirs(elf),
  ].filter((d) => d.startsWith('/') && !d.includes('$')).map(normalize))];
}

/** Names of libraries in the strings of a file that imports dlopen, found as the loader would. */
function libraryRefs(file: string, elf: ElfInfo, words: readonly string[], ctx: BinaryContext): BinaryRef[] {
  const dirs = searchDirs(file, elf, ctx);
  const out: BinaryRef[] = [];
  const seen = new Set<string>();
  for (const w of words) {
    // "libfoo.so.1", "libfoo-2.0.so", "plugins/libfoo.so" (found from the search dirs), or a
    // bare base name "libfoo" as a whole string; an absolute path is the path rule's
    if (/\s/.test(w) || w.startsWith('/')) continue;
    const m = /(?:^|\/)(lib[A-Za-z0-9_+-][\w+.-]*?\.so(?:\.[\d.]+)?)$/.exec(w) ?? /^(lib[\w+-]+)$/.exec(w);
    if (!m || seen.has(m[1]!)) continue;
    const name = m[1]!;
    seen.add(name);
    for (const dir of dirs) {
      const names = ctx.fs.list(dir);
      if (names.length === 0) continue;
      let hits: string[];
      if (names.includes(name) && /\.so(\.|$)/.test(name)) hits = [name];
      // a runtime appends the rest: "libfoo.so" + ".1", "libfoo" + ".so.1"
      else if (/\.so$/.test(name)) hits = names.filter((n) => n.startsWith(name + '.') && /^\.[\d.]+$/.test(n.slice(name.length)));
      else if (!name.includes('.so')) hits = names.filter((n) => n.startsWith(name + '.so') && /^\.so(\.[\d.]+)?$/.test(n.slice(name.length)));
      else hits = [];
      hits = hits.filter((n) => ctx.fs.isFile(joinPath(dir, n)));
      if (hits.length === 0) continue;
      for (const h of hits) out.push({ mechanism: 'binary-library', path: joinPath(dir, h), string: w, ...(h !== name ? { how: 'suffix appended' } : {}) });
      break;
    }
  }
  return out;
}
