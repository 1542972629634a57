// select: the keep-set of an image from a trace, file facts and the config. Pure: reads only
// its inputs, so it is unit-tested on hand-made indexes without an engine. Phases, in order:
// traced accesses, the config, include options, the static closure (parents, links, hardlinks,
// ELF libraries, #! interpreters), then references (what kept code refers to, the app's own
// directory, on-demand data sets) to a fixpoint, and excludes last.
import type { FsEntry } from '../image/types.js';
import { indexView, readWhole, resolveLibraries, resolvePath } from '../elf/index.js';
import type { FileView } from '../elf/index.js';
import type { RawRef } from '../refs/index.js';
import { appStores, configPaths, homeOf, STORE_SKIP, type StoreEvent } from './stores.js';
import { dataSetsFor, fallbackUnneeded, holdsData, langOfProgram, NAMED_DIR_LIMIT, refReason, refResolver, subtreeLimit, UNIT_LIMIT, type Lang, type RefResolver, type Target } from '../refs/index.js';
import { binaryRefs, compiledImports, dataFamilies, FAMILY_LIMIT_BYTES, type BinaryContext, type FamilyEvent } from '../refs/index.js';
import type { KeepEntry, KeepSet, KeptDataSet, KeptFamily, OptionalModule, Reason, SelectInput, Selection, TraceLike, Unresolved } from './types.js';
import { compileGlobs } from './glob.js';
import { envValue, joinPath, lookPath, normalize } from './paths.js';
import { ancestors, parentPath } from '../util/paths.js';
import { launchers, type ExecEvent } from '../refs/index.js';

const MAX_REASONS_PER_KIND = 3;
/** The app's own directory (WORKDIR) is kept whole up to this. */
/** Files the container runtime mounts over in every container (named by libc's strings, for one). */
const RUNTIME_MOUNTED = new Set(['/etc/resolv.conf', '/etc/hosts', '/etc/hostname']);
const APP_DIR_LIMIT = { entries: 20_000, bytes: 256 << 20 };
/** Never part of the app directory rule: dependencies are followed one by one, caches are not code. */
const APP_DIR_SKIP = /\/(node_modules|\.git|\.cache|\.npm)$/;

/** What a trace event's intent means, in the words of a reason. */
function tracedOp(ev: TraceLike): string {
  switch (ev.intent) {
    case 'x': return 'exec';
    case 's': return 'stat';
    case 'd': return 'chdir';
    case 'w': return 'write';
    default: return /readlink/.test(ev.syscall) ? 'readlink' : 'open';
  }
}

function failed(ev: TraceLike): string | undefined {
  const r = String(ev.result);
  return r === '0' || r === '' ? undefined : r;
}

export function selectKeep(input: SelectInput): KeepSet {
  return select(input).keep;
}

export function select(input: SelectInput): Selection {
  const s = new Selector(input);
  s.traced();
  s.fromConfig();
  s.includes();
  s.closure();
  if (input.refs && input.options?.references !== false) s.references();
  s.ldCache();
  s.excludes();
  return { keep: s.keep, unresolved: s.unresolved, dataSets: s.dataSets, optional: s.optional, families: s.families };
}

class Selector {
  readonly keep: KeepSet = new Map();
  readonly unresolved: Unresolved[] = [];
  readonly dataSets: KeptDataSet[] = [];
  readonly optional: OptionalModule[] = [];
  readonly families: KeptFamily[] = [];
  private readonly view: FileView;
  private readonly env: string[];
  private readonly pathVar: string | undefined;
  private readonly workdir: string;
  /** Newly kept paths whose static dependencies are not followed yet. */
  private readonly work: string[] = [];
  /** Newly kept paths whose references are not followed yet (references phase only). */
  private readonly refWork: string[] = [];
  private referencing = false;
  private readonly tracedPaths: string[] = [];
  /** The run's execs, in order (which programs ran the command their caller gave: src/refs/binary.ts launchers). */
  private readonly execs: ExecEvent[] = [];
  /** Interpreters of "#!" lines whose argument names the program they run ("#!/usr/bin/env python3"). */
  private readonly launchedBy = new Set<string>();
  /** Programs the run saw replace themselves with another (src/refs/binary.ts launchers). */
  private ranArgs?: Set<string>;
  /** The language of each file an interpreter opened in the run (by the program its pid exec'd). */
  private readonly openedBy = new Map<string, Lang>();

  constructor(private readonly input: SelectInput) {
    // The index as a FileView for path, library and reference resolution; ELF facts come from
    // `facts`, and only resolution's few small reads (package.json, .pth) use `read`.
    this.view = indexView(input.index, input.read ?? (() => {
      throw new Error('select reads no file content');
    }));
    const cc = input.config.config ?? {};
    this.env = cc.Env ?? [];
    this.pathVar = envValue(this.env, 'PATH');
    this.workdir = cc.WorkingDir ? normalize(cc.WorkingDir) : '/';
  }

  private get opts() {
    return this.input.options ?? {};
  }

  private add(path: string, entry: FsEntry, reason: Reason): void {
    let k: KeepEntry | undefined = this.keep.get(path);
    if (!k) {
      k = { entry, reasons: [] };
      if (this.referencing) k.byReference = true;
      this.keep.set(path, k);
      this.work.push(path);
      if (this.referencing) this.refWork.push(path);
    }
    const same = k.reasons.filter((r) => r.kind === reason.kind);
    if (same.some((r) => r.of === reason.of && r.detail === reason.detail && r.line === reason.line)) return;
    if (same.length < MAX_REASONS_PER_KIND) k.reasons.push(reason);
  }

  /**
   * Keeps what a lookup of `path` touches: directories and symlinks on the way (also for a
   * missing path, since the lookup traversed them), then the final entry with `reason`.
   */
  private keepLookup(path: string, reason: Reason): string | undefined {
    const asked = normalize(path);
    let lastLink: string | undefined;
    // the raw path: ".." after a symlink must go up from where the link led, as the kernel does
    const r = resolvePath(this.view, path, (s) => {
      const entry = this.input.index.get(s.path);
      if (!entry) return; // the root, when the index has no entry for it
      if (s.role === 'link') {
        // links at the end of the path (the name asked, then its chain) get the main reason too
        this.add(s.path, entry, s.last ? reason : { kind: 'symlink-on-path', of: asked });
        lastLink = s.path;
      } else if (s.role === 'dir') this.add(s.path, entry, { kind: 'on-path', of: asked });
      else {
        this.add(s.path, entry, reason);
        if (lastLink && s.path !== asked) this.add(s.path, entry, { kind: 'symlink-target', of: lastLink });
      }
    });
    return r.stat ? r.path : undefined;
  }

  /** 1. Traced accesses: any intent, successful or not. */
  traced(): void {
    const program = new Map<number, Lang | undefined>(); // pid → the language of the program it runs
    for (const ev of this.input.trace) {
      const err = failed(ev);
      const op = tracedOp(ev);
      const detail = err ? `${op} (${err})` : op;
      if (!ev.path?.startsWith('/')) continue;
      if (!err) {
        this.tracedPaths.push(ev.path);
        if (ev.pid !== undefined) this.interpreterOf(program, ev);
      }
      this.familyEvents.push({ path: ev.path, intent: ev.intent, ok: !err });
      // a change of owner, mode or times (an entrypoint's chown -R) keeps no state there
      if (!/ch(own|mod)|utime/.test(ev.syscall)) this.storeEvents.push({ path: ev.path, intent: ev.intent, ok: !err });
      if (ev.intent === 'x') this.execs.push({ pid: ev.pid, intent: ev.intent, syscall: ev.syscall, path: ev.path, ok: !err });
      // lstat/readlink look at the link itself; keeping its target too costs little and makes
      // "what the link points at" survive for apps that readlink then open.
      const real = this.keepLookup(ev.path, { kind: 'traced', detail, of: normalize(ev.path) });
      if (real && !err && ev.intent === 'r') this.readByRun.add(real); // through its links: what is read
      if (ev.path2 && ev.path2.startsWith('/') && !/symlink/.test(ev.syscall)) {
        this.keepLookup(ev.path2, { kind: 'traced', detail, of: normalize(ev.path2) });
      }
    }
  }

  /**
   * Which interpreter opens what: an exec names the pid's program (a script's "#!" interpreter
   * follows as an `interp` event); a file that program then reads is code in its language.
   */
  private interpreterOf(program: Map<number, Lang | undefined>, ev: TraceLike): void {
    const base = ev.path.slice(ev.path.lastIndexOf('/') + 1);
    if (ev.intent === 'x') {
      const lang = langOfProgram(base);
      // the ELF interpreter (ld.so) of an exec does not change what runs
      if (ev.syscall !== 'interp' || lang) program.set(ev.pid!, lang);
      return;
    }
    const lang = program.get(ev.pid!);
    const path = normalize(ev.path);
    if (lang && ev.intent === 'r' && !this.openedBy.has(path)) this.openedBy.set(path, lang);
  }

  /** 2. The config: entrypoint executable, workdir, volumes, user database. */
  fromConfig(): void {
    const cc = this.input.config.config ?? {};
    const argv0 = (cc.Entrypoint && cc.Entrypoint.length > 0 ? cc.Entrypoint : cc.Cmd ?? [])[0];
    if (argv0) {
      const exe = lookPath(this.view, argv0, this.pathVar, this.workdir);
      if (exe) this.keepLookup(exe, { kind: 'entrypoint', detail: argv0 });
    }
    if (cc.WorkingDir) this.keepLookup(this.workdir, { kind: 'workdir' });
    for (const v of Object.keys(cc.Volumes ?? {})) this.keepLookup(v, { kind: 'volume' });
    const user = (cc.User ?? '').split(':')[0];
    for (const p of ['/etc/passwd', '/etc/group']) {
      this.keepLookup(p, { kind: 'user-db', detail: user && !/^\d+$/.test(user) ? user : undefined });
    }
    this.keepLookup('/etc/nsswitch.conf', { kind: 'nsswitch' });
    // a file the config names (REQUESTS_CA_BUNDLE=/opt/corp/ca.pem, -c /etc/app.conf): read by name, maybe later
    for (const [where, path] of configPaths(cc.Entrypoint ?? [], cc.Cmd ?? [], this.env)) {
      const r = resolvePath(this.view, path);
      if (r.stat && r.stat.type !== 'dir') this.keepLookup(path, { kind: 'config-file', detail: where });
    }
    // the scratch directories every program may write to (as they are in the image: empty)
    for (const d of ['/tmp', '/var/tmp']) if (this.input.index.get(d)?.type === 'dir') this.keepLookup(d, { kind: 'scratch-dir' });
  }

  /**
   * 3. Include options. Index paths are real paths, so a glob naming a path through a symlink
   * (/lib/... on merged /usr) is also matched at its resolved place; a matched symlink to a
   * directory brings the target's subtree, as a matched directory brings its own.
   */
  includes(): void {
    const { index } = this.input;
    const opts = this.opts;
    if (opts.includePaths?.length) {
      const userGlob = new Map<string, string>(); // glob as matched → as the user wrote it
      for (const g of opts.includePaths) {
        if (g.trim() === '') continue;
        userGlob.set(g, g);
        const rewritten = throughLinks(g, this.view);
        for (const r of rewritten) userGlob.set(r, g);
        // the links on the way are part of what the user named
        if (rewritten.length) this.keepLookup(literalPrefix(g), { kind: 'include-path', detail: g });
      }
      const match = compileGlobs([...userGlob.keys()]);
      const linkedDirs = new Map<string, string>(); // target dir → glob
      for (const e of index.entries()) {
        const m = match(e.path);
        if (!m) continue;
        const g = userGlob.get(m) ?? m;
        const real = this.keepLookup(e.path, { kind: 'include-path', detail: g });
        if (e.type === 'symlink' && real && !match(real) && index.get(real)?.type === 'dir') linkedDirs.set(real, g);
      }
      for (const [dir, g] of linkedDirs) {
        const prefix = dir === '/' ? '/' : dir + '/';
        for (const e of index.entries()) {
          if (e.path.startsWith(prefix)) this.keepLookup(e.path, { kind: 'include-path', detail: g });
        }
      }
    }
    for (const b of opts.includeBins ?? []) this.keepLookup(joinPath(this.workdir, b), { kind: 'include-bin', detail: b });
    for (const x of opts.includeExes ?? []) {
      const p = lookPath(this.view, x, this.pathVar, this.workdir);
      if (p) this.keepLookup(p, { kind: 'include-exe', detail: x });
    }
    if (opts.includeShell) this.keepLookup('/bin/sh', { kind: 'include-shell' });
  }

  /**
   * 4. Static dependencies of everything kept, to a fixed point: parents, hardlink names, ELF
   * interpreter + NEEDED closure (src/elf's loader search, over the facts), #! interpreters.
   */
  closure(): void {
    while (this.work.length > 0) {
      // a generation at a time: the facts of all its files are asked for in one batch, so a
      // reader with a round trip per read waits once per generation, not once per file (in the
      // order they were kept: the trace's, in which the reader was asked for them first)
      const gen = this.work.splice(0);
      if (gen.length > 1) this.input.prefetch?.(gen.filter((p) => this.keep.get(p)?.entry.type === 'file'));
      for (const p of gen) this.dependencies(p);
    }
  }

  private sawElf = false;
  private libOpts?: Parameters<typeof resolveLibraries>[2];

  private dependencies(path: string): void {
    const { index, facts } = this.input;
    const k = this.keep.get(path)!;
    const e = k.entry;
    for (const p of ancestors(path)) {
      const pe = index.get(p);
      if (pe) this.add(p, pe, { kind: 'parent', of: path });
    }
    if (e.type === 'symlink') {
      // a kept link keeps what it points at (parents' links were followed by the walk)
      const l = e.linkname ?? '';
      if (l) this.keepLookup(l.startsWith('/') ? l : `${parentPath(path)}/${l}`, { kind: 'symlink-target', of: path });
      return;
    }
    if (e.type !== 'file' && e.type !== 'hardlink') return;
    for (const other of index.hardlinkGroup(path)) {
      if (other === path) continue;
      const oe = index.get(other);
      if (oe) this.add(other, oe, { kind: 'hardlink', of: path });
    }
    const f = facts(path);
    if (f?.elf) {
      this.sawElf = true;
      this.libOpts ??= {
        elfOf: (p: string) => facts(p)?.elf,
        ldLibraryPath: (envValue(this.env, 'LD_LIBRARY_PATH') ?? '').split(/[:;]/).filter((d) => d !== ''),
        ldSoConfDirs: this.opts.ldLibraryDirs ?? [],
      };
      // The whole closure, DT_RPATH inherited down the loader chain; each file is kept through
      // the path the loader opens, so the links and dirs on the way are kept with it.
      for (const lib of resolveLibraries(this.view, path, this.libOpts).files) {
        if (lib.type !== 'file') continue;
        this.keepLookup(lib.found, lib.via === 'interpreter'
          ? { kind: 'elf-interpreter', of: lib.neededBy }
          : { kind: 'elf-needed', of: lib.neededBy, detail: lib.name });
      }
    }
    // the kernel reads "#!" only when executing, which needs an execute bit (a library module's
    // "#!/usr/bin/env python3" line never runs); a data set's files are read, not run
    if (f?.shebang && (e.mode & 0o111) !== 0 && !k.reasons.every((r) => r.kind === 'data-set' || r.kind === 'unit')) {
      const interp = joinPath('/', f.shebang.interpreter);
      const real = this.keepLookup(interp, { kind: 'shebang', of: path });
      // "#!/usr/bin/env python3": the interpreter's argument names a program on PATH, which it
      // runs: it is a launcher (its own strings name no programs, src/refs/binary.ts launchers)
      const prog = f.shebang.arg ? envTarget(f.shebang.arg) : undefined;
      const found = prog ? lookPath(this.view, prog, this.pathVar, '/') : undefined;
      if (found) {
        this.keepLookup(found, { kind: 'shebang', of: path });
        if (real) this.launchedBy.add(real);
      }
    }
  }

  /**
   * 5. References, to a fixed point with the closure: what every kept file of code imports,
   * runs, sources, loads by name and names (resolved in the image by each language's own
   * rules, src/refs' one policy: every file, the libraries the run loaded included, every
   * reference), the app's own directory, and the data sets kept programs can read on demand.
   * Everything kept from here on is marked `byReference`.
   */
  references(): void {
    this.referencing = true;
    const resolver = refResolver(this.view, this.env, this.workdir, this.tracedPaths, this.opts.ldLibraryDirs);
    this.refWork.push(...this.keep.keys()); // before the app directory, whose entries add() queues
    this.appDir(resolver);
    this.keepStores();
    this.keepHomeConfig();
    this.keepFamilies(resolver);
    const setsDone = new Set<string>();
    const dsCtx = {
      fs: resolver.fs, env: this.env, traced: this.tracedPaths,
      usesSymbol: (p: string, sym: string) => this.input.facts(p)?.elf?.symbols?.includes(sym) ?? false,
    };
    for (;;) {
      while (this.refWork.length > 0 || this.work.length > 0) {
        this.closure();
        // a generation at a time: what all its files refer to is read in one batch (for
        // readers with a round trip per read), then the closure of what they kept
        const gen = this.refWork.splice(0);
        if (gen.length > 1) this.input.prefetch?.(gen.filter((p) => this.keep.get(p)?.entry.type === 'file'), true);
        for (const next of gen) {
          this.follow(resolver, next);
          this.followBinary(resolver, next);
        }
      }
      const needs = dataSetsFor(this.keep.keys(), dsCtx, setsDone);
      if (needs.length === 0) break;
      for (const n of needs) {
        for (const r of n.roots) {
          setsDone.add(`${n.set}:${r}`);
          this.keepTarget({ path: r, subtree: true }, { kind: 'data-set', of: n.trigger, detail: n.what }, UNIT_LIMIT, n.trigger, 0, n.optional);
        }
        this.dataSets.push({ set: n.set, what: n.what, trigger: n.trigger, roots: n.roots });
      }
    }
  }

  /**
   * What one kept file reaches, each way of reaching in its own phase method: as code (src/refs'
   * scanners; an ELF file yields no code references). Another way (an ELF file's strings) is
   * one more call here, keeping its targets through keepTarget with a reason of its own kind.
   */
  private follow(resolver: RefResolver, path: string): void {
    const k = this.keep.get(path);
    if (!k || (k.entry.type !== 'file' && k.entry.type !== 'hardlink')) return;
    this.followCode(resolver, path);
  }

  /**
   * A kept file of code, whoever loaded it (the app's code or a library's, traced or reached):
   * every reference it makes is followed, inside functions too, since any of its functions may
   * run later. Precision keeps the size down (src/refs/policy.ts), not skipping.
   */
  private followCode(resolver: RefResolver, path: string): void {
    let refs: RawRef[] | undefined;
    try {
      refs = this.input.refs!(path, { openedBy: this.openedBy.get(path), readByRun: this.readByRun.has(path) });
    } catch {
      return; // unreadable: the file is kept, its references are not followed
    }
    for (const ref of refs ?? []) {
      // a fallback import runs only when what it falls back from is missing
      if (ref.insteadOf && fallbackUnneeded(ref.insteadOf, (r) => resolver.resolve(path, r))) continue;
      const res = resolver.resolve(path, ref);
      if (res.unresolved) {
        this.unresolved.push({ from: path, line: ref.line, lang: ref.lang, kind: ref.kind, name: ref.name, why: res.unresolved });
      }
      const reason: Reason = refReason(path, ref);
      for (const t of res.targets) {
        if (ref.optional && !this.keepOptional(t.path, `${ref.optional} (${ref.how} ${ref.name} in ${path}:${ref.line})`)) continue;
        // a directory a configuration names is data when it holds no program and no code of a
        // language the run ran (nginx's docroot with its .js files: data to nginx)
        const dataOnly = ref.kind !== 'path' ? false : ref.how === 'configuration' ? this.ranLanguages() : true;
        this.keepTarget(t, ref.optional ? { ...reason, detail: `${reason.detail} (optional)` } : reason, subtreeLimit(ref), path, ref.line, undefined, dataOnly);
      }
    }
  }

  // ---- what kept binaries name, and data families (src/refs/binary.ts, src/refs/families.ts) ----

  private readonly familyEvents: FamilyEvent[] = [];
  private readonly storeEvents: StoreEvent[] = [];
  private readonly readByRun = new Set<string>();
  private binaryCtx?: BinaryContext;

  /** The paths, programs and libraries a kept ELF file names in its read-only data. */
  private followBinary(resolver: RefResolver, path: string): void {
    const e = this.keep.get(path)?.entry;
    if (!e || (e.type !== 'file' && e.type !== 'hardlink')) return;
    const f = this.input.facts(path);
    if (!f?.elf) return;
    let strings;
    try {
      strings = f.strings;
    } catch {
      return; // unreadable: kept, its strings not followed
    }
    if (!strings) return;
    const ran = (this.ranArgs ??= launchers(this.execs, (p) => {
      const r = resolvePath(this.view, p);
      return r.stat ? r.path : undefined;
    }));
    this.binaryCtx ??= {
      fs: resolver.fs, pathVar: this.pathVar,
      ldLibraryPath: (envValue(this.env, 'LD_LIBRARY_PATH') ?? '').split(/[:;]/).filter((d) => d !== ''),
      ldSoConfDirs: this.opts.ldLibraryDirs ?? [],
      tooMany: (file, names) => this.unresolved.push({
        from: file, line: 0, lang: 'elf', kind: 'binary-program', name: names.slice(0, 8).join(' ') + (names.length > 8 ? ' …' : ''),
        why: `${names.length} programs on PATH named by whole strings: words, not helpers; none kept (--include-exe keeps one)`,
      }),
      isLauncher: (file) => this.launchedBy.has(file) || ran.has(file),
    };
    const limit = { entries: NAMED_DIR_LIMIT.entries, bytes: this.opts.binaryDirLimit ?? NAMED_DIR_LIMIT.bytes };
    for (const r of binaryRefs(path, f.elf, strings, this.binaryCtx)) {
      const detail = `${r.how ? r.how + ' ' : ''}"${r.string}"`;
      this.keepTarget({ path: r.path, subtree: r.subtree }, { kind: r.mechanism, of: path, detail }, limit, path);
    }
    // modules its C code imports by name: kept when the string names one (most strings do not)
    for (const ref of compiledImports(strings)) {
      for (const t of resolver.resolve(path, ref).targets) this.keepTarget(t, refReason(path, ref), subtreeLimit(ref), path);
    }
  }

  /** Families of the files the run read by a computed key: kept whole within --family-limit. */
  private keepFamilies(resolver: RefResolver): void {
    const closureOnly = (p: string) => this.keep.get(p)?.reasons.some((r) => r.kind === 'elf-needed' || r.kind === 'elf-interpreter' || r.kind === 'ld-cache') ?? false;
    // a runtime's extension modules (Python's lib-dynload, a gem's .so) are imported by the names
    // code writes, which the import scanners follow one by one: one of them read is not a key's pick
    const extensionModule = (p: string) => isLibraryCode(p) && /\.so(\.\d+)*$/.test(p);
    const fams = dataFamilies(this.familyEvents, resolver.fs, { limitBytes: this.opts.familyLimit ?? FAMILY_LIMIT_BYTES, skip: (p) => closureOnly(p) || extensionModule(p) });
    for (const fam of fams) {
      this.families.push({ pattern: fam.pattern, trigger: fam.trigger, evidence: fam.evidence, files: fam.members.length, bytes: fam.bytes, ...(fam.cut ? { cut: true } : {}) });
      if (fam.cut) {
        this.unresolved.push({ from: fam.trigger, line: 0, lang: '', kind: 'family', name: fam.pattern, why: `family larger than the bound (${fam.bytes} bytes)` });
        continue;
      }
      this.input.prefetch?.(fam.members.filter((p) => !this.keep.has(p)));
      for (const m of fam.members) this.keepLookup(m, { kind: 'family', of: fam.trigger, detail: `${fam.pattern} (${fam.evidence})` });
    }
  }

  /** WORKDIR holds the app itself: kept whole (but for dependency and cache dirs) when it is the app's own and not too big. */
  private appDir(resolver: RefResolver): void {
    const dir = this.workdir;
    // the app's own place: not the root or a system directory (but /usr/src/app, /var/www/site, /home/user are apps')
    const system = /^\/(usr|etc|var|tmp|run|proc|sys|dev|root|home|boot|bin|sbin|lib\w*|opt|mnt|media)(\/|$)/.test(dir) && !/^\/(usr\/src|usr\/local\/src|var\/www|home|opt)\/[^/]+/.test(dir);
    if (dir === '/' || system) return;
    if (!resolver.fs.isDir(dir)) return;
    const files = this.subtree(dir, APP_DIR_LIMIT, APP_DIR_SKIP);
    if (!files) {
      this.unresolved.push({ from: dir, line: 0, lang: '', kind: 'app-dir', name: dir, why: 'larger than the app directory limit' });
      return;
    }
    for (const p of files) this.keepLookup(p, { kind: 'app-dir', detail: dir });
  }

  private home?: { of: string | undefined };
  /** The home of the image's USER, from the image's /etc/passwd (read once: the stores and the home's configuration ask). */
  private userHome(): string | undefined {
    if (this.home) return this.home.of;
    const user = (this.input.config.config?.User ?? '').split(':')[0]!;
    let of: string | undefined;
    if (user !== '' && this.input.index.get('/etc/passwd') && this.input.read) {
      try {
        const text = readWhole(this.view, '/etc/passwd');
        of = text === undefined ? undefined : homeOf(text, user);
      } catch {
        of = undefined; // unreadable: no home
      }
    }
    this.home = { of };
    return of;
  }

  /** Whether the files of a subtree are data only (no programs, no code; of `langs` only, when given). */
  private holdsData(files: readonly string[], langs?: ReadonlySet<Lang>): boolean {
    return holdsData(files.flatMap((p) => {
      const e = this.input.index.get(p);
      return e?.type === 'file' || e?.type === 'hardlink' ? [{ path: p, executable: (e.mode & 0o111) !== 0 }] : [];
    }), langs);
  }

  private ran?: Set<Lang>;
  /** The languages of the interpreters the run executed. */
  private ranLanguages(): ReadonlySet<Lang> {
    if (!this.ran) {
      this.ran = new Set();
      for (const x of this.execs) {
        const lang = x.ok ? langOfProgram(x.path.slice(x.path.lastIndexOf('/') + 1)) : undefined;
        if (lang) this.ran.add(lang);
      }
    }
    return this.ran;
  }

  /**
   * The configuration in the home of the app's user: its dot files and ~/.config, which
   * libraries look up by fixed names (requests reads ~/.netrc, libpq ~/.pgpass, an app
   * ~/.config/<app>/…), also on a path the run never took.
   */
  private keepHomeConfig(): void {
    const cc = this.input.config.config ?? {};
    const user = (cc.User ?? '').split(':')[0]!;
    const home = envValue(this.env, 'HOME') ?? (user === '' || user === 'root' || user === '0' ? '/root' : this.userHome());
    if (!home || this.input.index.get(normalize(home))?.type !== 'dir') return;
    for (const c of this.input.index.children(normalize(home))) {
      const name = c.path.slice(c.path.lastIndexOf('/') + 1);
      if (!name.startsWith('.') || STORE_SKIP.test(c.path)) continue;
      if (c.type === 'file' || c.type === 'symlink') this.keepLookup(c.path, { kind: 'home-config', of: home });
      else if (c.type === 'dir' && name === '.config') {
        for (const p of this.subtree(c.path, APP_DIR_LIMIT, STORE_SKIP) ?? []) this.keepLookup(p, { kind: 'home-config', of: home });
      }
    }
  }

  /** The app's stores (src/select/stores.ts): kept whole, with what the image ships in them. */
  private keepStores(): void {
    const cc = this.input.config.config ?? {};
    const stores = appStores({
      events: this.storeEvents, entrypoint: cc.Entrypoint ?? [], cmd: cc.Cmd ?? [], env: this.env,
      volumes: Object.keys(cc.Volumes ?? {}), home: this.userHome(), isDir: (p) => this.input.index.get(p)?.type === 'dir',
    });
    for (const store of stores) {
      const files = this.subtree(store.dir, APP_DIR_LIMIT, STORE_SKIP);
      if (!files) {
        this.unresolved.push({ from: store.dir, line: 0, lang: '', kind: 'app-state', name: store.dir, why: `${store.why}: larger than ${APP_DIR_LIMIT.entries} entries or ${APP_DIR_LIMIT.bytes >> 20} MB, kept as the run left it` });
        continue;
      }
      if (store.dataOnly && !this.holdsData(files)) continue;
      this.input.prefetch?.(files.filter((p) => !this.keep.has(p) && this.input.index.get(p)?.type === 'file'));
      for (const p of files) this.keepLookup(p, { kind: 'app-state', of: store.dir, detail: store.why });
    }
  }

  /**
   * Keeps a reference's target: the path through its links, or a directory's whole subtree
   * within `limit` (for a path named in code, only when the subtree holds data: code in it is
   * found file by file). Files matching `optional` are modules the program runs without:
   * reported, and left out with --drop-optional.
   */
  private keepTarget(t: Target, reason: Reason, limit: { entries: number; bytes: number }, from: string, line = 0, optional?: { what: string; match: RegExp }, dataOnly: boolean | ReadonlySet<Lang> = false): void {
    // every engine mounts its own over these in each container: the image's copy is never read
    // (dockerd's engine reader cannot even see it, podman's can: keeping it would differ by engine)
    if (RUNTIME_MOUNTED.has(normalize(t.path))) return;
    const real = this.keepLookup(t.path, reason);
    if (!t.subtree || !real || this.input.index.get(real)?.type !== 'dir') return;
    const files = this.subtree(real, limit);
    if (!files) {
      this.unresolved.push({ from, line, lang: '', kind: 'subtree', name: t.path, why: `directory larger than ${limit.entries} entries or ${limit.bytes >> 20} MB: kept as itself, not whole` });
      return;
    }
    if (dataOnly && !this.holdsData(files, dataOnly === true ? undefined : dataOnly)) return;
    // their facts (ELF headers, "#!" lines) are read next: in one batch for readers with round trips
    this.input.prefetch?.(files.filter((p) => !this.keep.has(p) && this.input.index.get(p)?.type === 'file'));
    for (const p of files) {
      if (optional?.match.test(p)) {
        if (this.keepOptional(p, optional.what)) this.keepLookup(p, { ...reason, detail: `${reason.detail ?? ''} (optional: ${optional.what})`.trim() });
        continue;
      }
      this.keepLookup(p, reason);
    }
  }

  /** Records an optional module (once), and whether to keep it: not with --drop-optional, nor what is already kept. */
  private keepOptional(path: string, what: string): boolean {
    if (this.keep.has(path)) return true;
    const real = resolvePath(this.view, path);
    const e = real.stat ? this.input.index.get(real.path) : undefined;
    const bytes = e && (e.type === 'file' || e.type === 'hardlink') ? (e.content?.size ?? e.size) : 0;
    // one entry per optional module: what is below a directory listed counts for it
    const within = this.optional.find((o) => path.startsWith(`${o.path}/`));
    if (within) within.bytes += bytes;
    else if (!this.optional.some((o) => o.path === path)) this.optional.push({ path, what, bytes, dropped: this.opts.dropOptional === true });
    return this.opts.dropOptional !== true;
  }

  /** Every entry below `dir`, or undefined when the subtree exceeds `limit`. */
  private subtree(dir: string, limit: { entries: number; bytes: number }, skip?: RegExp): string[] | undefined {
    const out: string[] = [];
    let bytes = 0;
    const stack = [dir];
    while (stack.length > 0) {
      const d = stack.pop()!;
      for (const c of this.input.index.children(d)) {
        if (skip?.test(c.path)) continue;
        out.push(c.path);
        if (c.type === 'file') bytes += c.size;
        if (out.length > limit.entries || bytes > limit.bytes) return undefined;
        if (c.type === 'dir') stack.push(c.path);
      }
    }
    return out;
  }

  /** The loader cache, when any ELF is kept. */
  ldCache(): void {
    if (!this.sawElf || this.keep.has('/etc/ld.so.cache')) return;
    if (!this.input.index.get('/etc/ld.so.cache')) return;
    this.keepLookup('/etc/ld.so.cache', { kind: 'ld-cache' });
    while (this.work.length > 0) {
      const p0 = this.work.pop()!;
      for (const p of ancestors(p0)) {
        const pe = this.input.index.get(p);
        if (pe) this.add(p, pe, { kind: 'parent', of: p0 });
      }
    }
  }

  /** 6. Excludes, last; a directory that still holds kept entries stays. */
  excludes(): void {
    const opts = this.opts;
    if (!opts.excludes?.length) return;
    const match = compileGlobs(opts.excludes.flatMap((g) => [g, ...throughLinks(g, this.view)]));
    const removed = [...this.keep.keys()].filter((p) => match(p));
    for (const p of removed) this.keep.delete(p);
    const needed = new Set<string>();
    for (const p of this.keep.keys()) for (const q of ancestors(p)) needed.add(q);
    for (const p of removed) {
      const e = this.input.index.get(p);
      if (needed.has(p) && e) this.keep.set(p, { entry: e, reasons: [{ kind: 'parent', of: this.firstChild(p) }] });
    }
  }

  private firstChild(dir: string): string | undefined {
    const prefix = dir === '/' ? '/' : dir + '/';
    for (const p of this.keep.keys()) if (p.startsWith(prefix)) return p;
    return undefined;
  }
}

/** Where runtimes keep their standard libraries and installed packages. */
const LIBRARY_DIRS = /\/(site-packages|dist-packages|node_modules|vendor_ruby|site_ruby|gems|perl5?|nodejs)\/|^\/usr\/(local\/)?lib\/(python[\d.]+|ruby|jvm|php)\/|^\/usr\/share\/(perl5?|php|ruby|java)\/|^\/usr\/lib\/[^/]+-linux-[^/]+\/(perl|perl-base|perl5|ruby)\//;

export function isLibraryCode(path: string): boolean {
  return LIBRARY_DIRS.test(path);
}

/** The glob with its literal leading directories resolved through the image's symlinks, if that differs. */
function throughLinks(glob: string, view: FileView): string[] {
  const comps = normalize(glob.trim()).split('/').filter(Boolean);
  const wild = comps.findIndex((c) => /[*?]/.test(c));
  const literal = literalPrefix(glob);
  const r = resolvePath(view, literal);
  const real = r.stat ? r.path : undefined;
  if (!real || real === literal) return [];
  return [[real === '/' ? '' : real, ...(wild < 0 ? [] : comps.slice(wild))].join('/') || '/'];
}

/** The leading components of a glob before the first wildcard. */
function literalPrefix(glob: string): string {
  const comps = normalize(glob.trim()).split('/').filter(Boolean);
  const wild = comps.findIndex((c) => /[*?]/.test(c));
  return '/' + (wild < 0 ? comps : comps.slice(0, wild)).join('/');
}

/** The program `/usr/bin/env [-S] [-i] [NAME=V...] prog args` runs. */
function envTarget(arg: string): string | undefined {
  for (const w of arg.trim().split(/\s+/)) {
    if (w === '' || w.startsWith('-') || w.includes('=')) continue;
    return w;
  }
  return undefined;
}

