// What the executables need beyond their ELF closure, found on the host with the build's own
// resolver and its one policy (src/refs/policy.ts): what every file of code reached refers to
// (imports, inside functions too, required modules, sourced files, commands it runs,
// libraries it loads by name, paths it names), the interpreter's startup files, then what
// those refer to, to a fixpoint with the ELF closure of every program and extension module
// reached; last the on-demand data sets (CA store, time zones, gconv...) the included files
// can read. What the ELF files shipped name in their strings (paths, programs, libraries) is
// followed too, by build's mechanisms (src/refs/binary.ts); a file named by an absolute path
// comes from the --from base image when it has it, else from the host only where the policy
// allows (src/refs/policy.ts hostSourceRefused: system software directories, never secrets),
// every refused path reported. Reasons are build's (`Reason`, worded by formatReason).
import { posix } from 'node:path';
import { isElfMagic, namedBy, parseElf, parseShebang, readLdSoConf, resolvePath, SHEBANG_MAX } from '../elf/index.js';
import type { ElfInfo, FileView } from '../elf/index.js';
import { binaryRefs, compiledImports, dataSetsFor, fallbackUnneeded, Fs, holdsData, hostSourceRefused, isSystemRuntime, refReason, refResolver, refsOf, subtreeLimit, UNIT_LIMIT } from '../refs/index.js';
import type { BinaryContext, RawRef, RefResolver, Target } from '../refs/index.js';
import { envValue } from '../util/paths.js';
import { formatReason, isLibraryCode } from '../select/index.js';
import { UserError } from '../util/errors.js';
import { closureOf } from './closure.js';
import type { Closure, HostFile } from './closure.js';
import { interpreterStartup } from './startup.js';

/** How a file reached is followed. */
interface How {
  /** Reached as a program (a command): a script brings its interpreter. */
  program?: boolean;
  /** Data, not code: only an ELF module among it brings its libraries. */
  data?: boolean;
}

interface Work extends How {
  path: string;
  origin?: Origin;
}

export interface ReferencesInput {
  view: FileView;
  exes: Array<{ host: string; dest: string; c: Closure }>;
  /** The image's environment (PATH, PYTHONPATH, NODE_PATH... as the container will have them). */
  env: string[];
  workdir: string;
  /** Host PATH for "#!/usr/bin/env X" in scripts reached as commands. */
  hostPath: string[];
  /** false: no CA store (--no-certs). */
  certs: boolean;
  /** Whether the base image already has a file at this path (its data sets are its own business). */
  inBase?: (path: string) => boolean;
  /** Whether the base image has anything at this path (a named path it has is the base's). */
  baseHas?: (path: string) => boolean;
  /** Host directories a named path may be copied from beyond the system ones (--allow-host-path). */
  allowHostPaths?: readonly string[];
}

/** A host path a reference named that was not copied into the image, and why. */
export interface Refused {
  path: string;
  /** The file that named it, and how ("path in the strings of /app/x (\"/home/u/.ssh/id_rsa\")"). */
  by: string;
  why: string;
}

export interface Unresolved {
  from: string;
  line: number;
  name: string;
  why: string;
}

export interface ReferencesResult {
  files: HostFile[];
  elves: Array<{ path: string; elf: ElfInfo }>;
  libraryPath: string[];
  binPath: string[];
  unresolved: Unresolved[];
  dataSets: Array<{ set: string; what: string; trigger: string; roots: string[] }>;
  /** Host paths named by absolute path (in code or in binaries' strings) the policy kept out. */
  refused: Refused[];
}

/** Where an executable's own files go: its host directory maps to the directory of its destination. */
interface Origin {
  host: string;
  dest: string;
}

/**
 * System places: a file there stays put even below the executable's own directory (a script
 * at "/" does not take /usr/lib/python3 with it), unless that directory is itself one (a
 * script in /usr/local/bin imports the module beside it from wherever it runs).
 */
const SYSTEM_DIR = /^\/(usr|lib\w*|bin|sbin|etc|var|opt|proc|sys|dev|run)\//;

export function referencesOf(k: ReferencesInput): ReferencesResult {
  return new Fixpoint(k).run();
}

class Fixpoint {
  private readonly out: ReferencesResult = { files: [], elves: [], libraryPath: [], binPath: [], unresolved: [], dataSets: [], refused: [] };
  private readonly shipped = new Set<string>();
  /** Host paths (real) already scanned for references, per origin they were shipped under. */
  private readonly scanned = new Set<string>();
  private readonly work: Work[] = [];
  private readonly closed = new Set<string>();
  private readonly resolver: RefResolver;
  /** Every host path shipped (links and files), for the data-set rules. */
  private readonly hostPaths = new Set<string>();
  /**
   * Python modules the interpreter always has: compiled in (sys, builtins, __main__), or loaded
   * before the script's first line under a name no file has (os.path is posixpath.py). Imported,
   * never unresolved.
   */
  private readonly alwaysThere = new Set<string>();

  constructor(private readonly k: ReferencesInput) {
    this.resolver = refResolver(k.view, k.env, k.workdir);
  }

  run(): ReferencesResult {
    for (const { c, dest } of this.k.exes) {
      for (const f of c.files) this.hostPaths.add(f.path);
      this.hostPaths.add(c.real);
      const origin = { host: posix.dirname(c.real), dest: posix.dirname(dest) };
      for (const e of c.elves) this.followBinary(e.path);
      if (c.kind !== 'script') continue;
      this.work.push({ path: c.real, origin });
      this.startup(c);
    }
    this.drain();
    this.dataSets();
    return this.out;
  }

  /** The interpreter's own startup files (Python's site, encodings, .pth files...). */
  private startup(c: Closure): void {
    if (!c.interpreter) return;
    const s = interpreterStartup(c.interpreter.path, c.interpreter.arg, this.k.env);
    for (const b of s.builtins) this.alwaysThere.add(b);
    for (const m of s.modules) this.alwaysThere.add(m.name);
    const reason = `startup file of ${c.interpreter.path}`;
    // what startup loads is all it needs of these (site's help() would import pydoc)
    const how: How = {};
    for (const d of s.dirs) if (this.k.view.lstat(d)) this.shipLookup(d, reason, undefined, how);
    for (const f of s.files) this.shipTarget({ path: f }, reason, undefined, how);
    for (const d of s.data) this.shipTarget({ path: d, subtree: true }, `data read by ${c.interpreter.path}`, undefined, { ...how, data: true });
    for (const m of s.modules) {
      const ref: RawRef = { lang: 'python', kind: 'import', name: m.name, line: 0, how: 'startup import' };
      const res = this.resolver.resolve(m.file, ref);
      if (res.targets.length === 0) this.shipTarget({ path: m.file }, reason, undefined, how);
      for (const t of res.targets) this.shipTarget(t, `${reason} (import ${m.name})`, undefined, how);
    }
  }

  private drain(): void {
    while (this.work.length > 0) {
      const w = this.work.pop()!;
      this.follow(w);
    }
  }

  /**
   * Scans one file of code and ships what it refers to: the script's own code and the
   * libraries it reaches alike, every reference (src/refs/policy.ts).
   */
  private follow(w: Work): void {
    const { path, origin } = w;
    const key = `${origin?.dest ?? ''}\0${path}`;
    if (this.scanned.has(key)) return;
    this.scanned.add(key);
    const st = this.k.view.lstat(path);
    if (st?.type !== 'file') return;
    let refs: RawRef[] | undefined;
    try {
      const head = this.k.view.read(path, 0, SHEBANG_MAX);
      if (isElfMagic(head)) return;
      refs = refsOf(this.k.view, path, st.size, { shebang: parseShebang(head) }) ?? [];
    } catch (err) {
      throw new UserError(`${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    for (const ref of refs) {
      // the host is not the image: a program the code only looks for is the host's, not the app's
      if (ref.optional) continue;
      // a fallback import runs only when what it falls back from is missing
      if (ref.insteadOf && fallbackUnneeded(ref.insteadOf, (r) => this.resolver.resolve(path, r))) continue;
      const res = this.resolver.resolve(path, ref);
      if (res.unresolved && !(ref.lang === 'python' && this.alwaysThere.has(ref.name))) this.out.unresolved.push({ from: path, line: ref.line, name: ref.name, why: res.unresolved });
      // A program found on PATH stays where PATH finds it, and so do libraries found by the
      // loader's search; everything else found next to the script moves with it.
      const stays = (ref.kind === 'command' && !ref.name.includes('/')) || ref.kind === 'library';
      const reason = formatReason(refReason(path, ref));
      for (const t of res.targets) {
        // an absolute path written in code names a file of wherever it runs: the host's only where the policy allows
        if (ref.kind === 'path' && !this.admitted(t.path, reason, stays ? undefined : origin)) continue;
        this.shipTarget(t, reason, stays ? undefined : origin, { program: ref.kind === 'command' }, ref);
      }
    }
  }

  /** Ships a reference's target: through its links, or a directory's whole subtree. */
  private shipTarget(t: Target, reason: string, origin: Origin | undefined, how: How, ref?: RawRef, admit?: (path: string) => boolean): void {
    const real = this.shipLookup(t.path, reason, origin, how);
    if (!real || !t.subtree) return;
    if (this.k.view.lstat(real)?.type !== 'dir') return;
    const limit = ref ? subtreeLimit(ref) : UNIT_LIMIT;
    const files = this.subtree(real, limit);
    if (!files) {
      this.out.unresolved.push({ from: reason, line: 0, name: t.path, why: `directory larger than ${limit.entries} entries or ${limit.bytes >> 20} MB: kept as itself, not whole` });
      return;
    }
    // a directory named in code is kept whole only when it holds data (code in it is found one by one)
    if (ref?.kind === 'path' && !holdsData(files.flatMap((p) => {
      const st = this.k.view.lstat(p);
      return st?.type === 'file' ? [{ path: p, executable: ((st.mode ?? 0) & 0o111) !== 0 }] : [];
    }))) return;
    for (const p of files) if (!admit || admit(p)) this.shipLookup(p, reason, origin, how);
  }

  /**
   * Ships what looking up `path` reaches: the symlinks on the way and the final entry, at
   * their host paths, or (below the executable's own directory) at the same place below its
   * destination. Returns the real path, or undefined when nothing is there.
   */
  private shipLookup(path: string, reason: string, origin: Origin | undefined, how: How): string | undefined {
    const r = resolvePath(this.k.view, path);
    if (!r.stat) return undefined;
    const moved = origin && movedTo(path, origin);
    if (moved) {
      // The app's own file: its bytes at the lookup path under the destination (links inside
      // the app's tree are the app's business; what they lead to is shipped as a file).
      this.ship({ path: r.path, type: r.stat.type === 'dir' ? 'dir' : 'file', reason, dest: moved, lookup: moved });
    } else {
      for (const l of r.links) this.ship({ path: l, type: 'symlink', reason, lookup: path });
      if (r.stat.type === 'dir') this.ship({ path: r.path, type: 'dir', reason, lookup: path });
      else if (r.stat.type === 'file') this.ship({ path: r.path, type: 'file', reason, lookup: path });
    }
    if (r.stat.type === 'file') {
      this.dependencies(r.path, how);
      if (!how.data) this.work.push({ ...how, path: r.path, origin: moved ? origin : undefined });
    }
    return r.path;
  }

  private ship(f: HostFile): void {
    const key = f.dest ?? f.path;
    if (this.shipped.has(key)) return;
    this.shipped.add(key);
    this.hostPaths.add(f.path);
    this.out.files.push(f);
  }

  /** An ELF program or extension module brings its libraries, a script reached as a program its interpreter. */
  private dependencies(real: string, how: How): void {
    const key = `${how.program ? 'x' : ''}${real}`;
    if (this.closed.has(key)) return;
    this.closed.add(key);
    let head: Buffer;
    try {
      head = this.k.view.read(real, 0, SHEBANG_MAX);
    } catch (err) {
      throw new UserError(`${real}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const elf = isElfMagic(head);
    const st = this.k.view.lstat(real);
    if (!elf && !(how.program && parseShebang(head) && ((st?.mode ?? 0) & 0o111) !== 0)) return;
    let c: Closure;
    try {
      // destDir = its own directory: a referenced file stays where it is, and so do its $ORIGIN libraries
      c = closureOf(this.k.view, real, { hostPath: this.k.hostPath, destDir: posix.dirname(real), label: real });
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      // The host cannot run it either (a missing library, an interpreter not installed).
      this.out.unresolved.push({ from: real, line: 0, name: real, why: err.message });
      return;
    }
    this.out.elves.push(...c.elves);
    for (const e of c.elves) this.followBinary(e.path);
    for (const f of c.files) {
      this.ship(f.dest === f.path ? { ...f, dest: undefined } : f);
      if (f.type === 'file') this.closed.add(`x${f.path}`).add(f.path);
    }
    for (const d of c.libraryPath) if (!this.out.libraryPath.includes(d)) this.out.libraryPath.push(d);
    for (const d of c.binPath) if (!this.out.binPath.includes(d)) this.out.binPath.push(d);
  }

  private binaryCtx?: BinaryContext;
  private readonly binaryScanned = new Set<string>();

  /**
   * What a shipped ELF file names in its strings (build's mechanisms, src/refs/binary.ts):
   * paths, programs and libraries, each admitted by the host-source policy. The C library's and
   * the loader's own strings are not followed: the files they name are the host's
   * configuration (/etc/passwd, /etc/hosts...), and the data they read on demand is the data
   * sets' (below).
   */
  private followBinary(hostPath: string): void {
    const r = resolvePath(this.k.view, hostPath);
    if (r.stat?.type !== 'file' || this.binaryScanned.has(r.path)) return;
    this.binaryScanned.add(r.path);
    const real = r.path;
    const size = r.stat.size;
    const read = (o: number, n: number) => this.k.view.read(real, o, n);
    let elf;
    let strings;
    try {
      elf = parseElf(read, size, { imports: true });
      if (!elf || isSystemRuntime(real, elf)) return;
      strings = namedBy(read, size);
    } catch (err) {
      throw new UserError(`${real}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    this.binaryCtx ??= {
      fs: new Fs(this.k.view),
      pathVar: envValue(this.k.env, 'PATH'),
      ldLibraryPath: (envValue(this.k.env, 'LD_LIBRARY_PATH') ?? '').split(':').filter((d) => d !== ''),
      ldSoConfDirs: readLdSoConf(this.k.view),
      tooMany: (file, names) => this.out.unresolved.push({ from: file, line: 0, name: names.slice(0, 8).join(' '), why: `${names.length} programs on PATH named by whole strings: words, not helpers; none kept` }),
    };
    for (const b of binaryRefs(real, elf, strings, this.binaryCtx)) {
      const reason = formatReason({ kind: b.mechanism, of: real, detail: `${b.how ? b.how + ' ' : ''}"${b.string}"` });
      if (!this.admitted(b.path, reason)) continue;
      const how: How = b.mechanism === 'binary-program' ? { program: true } : b.mechanism === 'binary-path' ? { data: true } : {};
      const named: RawRef = { lang: 'shell', kind: 'path', name: b.path, line: 0, how: 'string' };
      this.shipTarget({ path: b.path, subtree: b.subtree }, reason, undefined, how, named, (p) => this.admitted(p, reason));
    }
    // modules its C code imports by name (an extension module's rb_require, PyImport_ImportModule)
    for (const ref of compiledImports(strings)) {
      const reason = formatReason(refReason(real, ref));
      for (const t of this.resolver.resolve(real, ref).targets) this.shipTarget(t, reason, undefined, {}, ref);
    }
  }

  /**
   * Whether a file named by absolute path may be taken: not when the --from base has it (the
   * base's own, already in the image), nor when the host-source policy refuses it (reported).
   * The app's own files (below the executable's directory, moving with it) are the user's
   * choice: only the never-copied places and private files are refused there.
   */
  private admitted(path: string, reason: string, origin?: Origin): boolean {
    if (this.k.baseHas?.(path)) return false;
    const r = resolvePath(this.k.view, path);
    if (!r.stat) return true; // nothing there: nothing to copy
    const own = origin && movedTo(path, origin) ? [posix.normalize(path), r.path] : [];
    const allowed = [...(this.k.allowHostPaths ?? []), ...own];
    // the lookup path and where its links lead: a link under /usr may point into /home
    for (const p of new Set([posix.normalize(path), r.path])) {
      const why = hostSourceRefused(p, p === r.path ? r.stat.mode : undefined, { allowed });
      if (why) {
        if (!this.out.refused.some((x) => x.path === p)) this.out.refused.push({ path: p, by: reason, why });
        return false;
      }
    }
    return true;
  }

  /** On-demand data sets, to a fixpoint (a set's files can need another set). */
  private dataSets(): void {
    const fs = new Fs(this.k.view);
    const ctx = {
      fs,
      env: this.k.env,
      traced: [] as string[],
      usesSymbol: (p: string, sym: string) => this.symbols(p).includes(sym),
    };
    const done = new Set<string>();
    const tz = /^TZ=:?(\w[\w/+-]*)$/.exec(this.k.env.find((e) => e.startsWith('TZ=')) ?? '');
    for (;;) {
      // --no-certs: the CA store stays out, whatever would need it
      const added = this.k.inBase ? [...this.hostPaths].filter((p) => !this.k.inBase!(p)) : this.hostPaths;
      const needs = dataSetsFor(added, ctx, done).filter((n) => this.k.certs || n.set !== 'ca');
      if (tz && !done.has('tz:/usr/share/zoneinfo') && fs.isDir('/usr/share/zoneinfo')) {
        needs.push({ set: 'tz', what: 'time zone database', trigger: `TZ=${tz[1]}`, roots: ['/usr/share/zoneinfo'] });
      }
      if (needs.length === 0) break;
      for (const n of needs) {
        for (const r of n.roots) {
          done.add(`${n.set}:${r}`);
          this.shipTarget({ path: r, subtree: true }, formatReason({ kind: 'data-set', of: n.trigger, detail: n.what }), undefined, { data: true });
        }
        this.out.dataSets.push({ set: n.set, what: n.what, trigger: n.trigger, roots: n.roots });
      }
      this.drain();
    }
  }

  private readonly symbolCache = new Map<string, string[]>();
  private symbols(p: string): string[] {
    let s = this.symbolCache.get(p);
    if (s) return s;
    s = [];
    try {
      const r = resolvePath(this.k.view, p);
      if (r.stat?.type === 'file' && isElfMagic(this.k.view.read(r.path, 0, 4))) {
        s = parseElf((o, n) => this.k.view.read(r.path, o, n), r.stat.size)?.symbols ?? [];
      }
    } catch {
      s = [];
    }
    this.symbolCache.set(p, s);
    return s;
  }

  /** Every entry below `dir` (host), or undefined past the limit. */
  private subtree(dir: string, limit: { entries: number; bytes: number }): string[] | undefined {
    const out: string[] = [];
    let bytes = 0;
    const stack = [dir];
    while (stack.length > 0) {
      const d = stack.pop()!;
      for (const name of (this.k.view.listDir?.(d) ?? []).sort()) {
        const p = `${d === '/' ? '' : d}/${name}`;
        const st = this.k.view.lstat(p);
        if (!st || st.type === 'other') continue;
        out.push(p);
        bytes += st.size;
        if (out.length > limit.entries || bytes > limit.bytes) return undefined;
        if (st.type === 'dir') stack.push(p);
      }
    }
    return out;
  }
}

/** The image path of a host path below the executable's own directory, or undefined when it stays put. */
function movedTo(path: string, origin: Origin): string | undefined {
  const norm = posix.normalize(path);
  const base = origin.host === '/' ? '/' : `${origin.host}/`;
  if (!norm.startsWith(base)) return undefined;
  const rel = norm.slice(base.length);
  if (rel === '' || isLibraryCode(norm) || (SYSTEM_DIR.test(norm) && !SYSTEM_DIR.test(`${origin.host}/`))) return undefined;
  const dest = posix.join(origin.dest, rel);
  return dest === norm ? undefined : dest;
}
