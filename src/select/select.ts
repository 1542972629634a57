// selectKeep: the keep-set of an image from a trace, file facts and the config. Pure: reads
// only its inputs, so it is unit-tested on hand-made indexes without an engine.
import type { FsEntry } from '../image/types.js';
import { indexView, resolveLibraries, resolvePath } from '../elf/index.js';
import type { FileView } from '../elf/index.js';
import type { KeepSet, Reason, SelectInput, TraceLike } from './types.js';
import { compileGlobs } from './glob.js';
import { envValue, joinPath, lookPath, normalize } from './paths.js';

const MAX_REASONS_PER_KIND = 3;

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
  const { index, facts, config } = input;
  // The index as a FileView for src/elf's path and library resolution; ELF facts come from
  // `facts`, so nothing reads the image's bytes.
  const view = indexView(index, () => {
    throw new Error('selectKeep reads no file content');
  });
  const opts = input.options ?? {};
  const cc = config.config ?? {};
  const env = cc.Env ?? [];
  const pathVar = envValue(env, 'PATH');
  const workdir = cc.WorkingDir ? normalize(cc.WorkingDir) : '/';
  const keep: KeepSet = new Map();
  const work: string[] = []; // newly kept paths whose dependencies are not followed yet

  const add = (path: string, entry: FsEntry, reason: Reason): void => {
    let k = keep.get(path);
    if (!k) {
      k = { entry, reasons: [] };
      keep.set(path, k);
      work.push(path);
    }
    const same = k.reasons.filter((r) => r.kind === reason.kind);
    if (same.some((r) => r.of === reason.of && r.detail === reason.detail)) return;
    if (same.length < MAX_REASONS_PER_KIND) k.reasons.push(reason);
  };

  /**
   * Keeps what a lookup of `path` touches: directories and symlinks on the way (also for a
   * missing path, since the lookup traversed them), then the final entry with `reason`.
   */
  const keepLookup = (path: string, reason: Reason): string | undefined => {
    const asked = normalize(path);
    let lastLink: string | undefined;
    // the raw path: ".." after a symlink must go up from where the link led, as the kernel does
    const r = resolvePath(view, path, (s) => {
      const entry = index.get(s.path);
      if (!entry) return; // the root, when the index has no entry for it
      if (s.role === 'link') {
        // links at the end of the path (the name asked, then its chain) get the main reason too
        add(s.path, entry, s.last ? reason : { kind: 'symlink-on-path', of: asked });
        lastLink = s.path;
      } else if (s.role === 'dir') add(s.path, entry, { kind: 'on-path', of: asked });
      else {
        add(s.path, entry, reason);
        if (lastLink && s.path !== asked) add(s.path, entry, { kind: 'symlink-target', of: lastLink });
      }
    });
    return r.stat ? r.path : undefined;
  };

  // 1. Traced accesses: any intent, successful or not.
  for (const ev of input.trace) {
    const err = failed(ev);
    const op = tracedOp(ev);
    const detail = err ? `${op} (${err})` : op;
    if (!ev.path?.startsWith('/')) continue;
    // lstat/readlink look at the link itself; keeping its target too costs little and makes
    // "what the link points at" survive for apps that readlink then open.
    keepLookup(ev.path, { kind: 'traced', detail, of: normalize(ev.path) });
    if (ev.path2 && ev.path2.startsWith('/') && !/symlink/.test(ev.syscall)) {
      keepLookup(ev.path2, { kind: 'traced', detail, of: normalize(ev.path2) });
    }
  }

  // 2. The config: entrypoint executable, workdir, volumes, user database.
  const argv0 = (cc.Entrypoint && cc.Entrypoint.length > 0 ? cc.Entrypoint : cc.Cmd ?? [])[0];
  if (argv0) {
    const exe = lookPath(view, argv0, pathVar, workdir);
    if (exe) keepLookup(exe, { kind: 'entrypoint', detail: argv0 });
  }
  if (cc.WorkingDir) keepLookup(workdir, { kind: 'workdir' });
  for (const v of Object.keys(cc.Volumes ?? {})) keepLookup(v, { kind: 'volume' });
  const user = (cc.User ?? '').split(':')[0];
  for (const p of ['/etc/passwd', '/etc/group']) {
    keepLookup(p, { kind: 'user-db', detail: user && !/^\d+$/.test(user) ? user : undefined });
  }
  keepLookup('/etc/nsswitch.conf', { kind: 'nsswitch' });

  // 3. Include options. Index paths are real paths, so a glob naming a path through a symlink
  // (/lib/... on merged /usr) is also matched at its resolved place; a matched symlink to a
  // directory brings the target's subtree, as a matched directory brings its own.
  if (opts.includePaths?.length) {
    const userGlob = new Map<string, string>(); // glob as matched → as the user wrote it
    for (const g of opts.includePaths) {
      if (g.trim() === '') continue;
      userGlob.set(g, g);
      const rewritten = throughLinks(g, view);
      for (const r of rewritten) userGlob.set(r, g);
      // the links on the way are part of what the user named
      if (rewritten.length) keepLookup(literalPrefix(g), { kind: 'include-path', detail: g });
    }
    const match = compileGlobs([...userGlob.keys()]);
    const linkedDirs = new Map<string, string>(); // target dir → glob
    for (const e of index.entries()) {
      const m = match(e.path);
      if (!m) continue;
      const g = userGlob.get(m) ?? m;
      const real = keepLookup(e.path, { kind: 'include-path', detail: g });
      if (e.type === 'symlink' && real && !match(real) && index.get(real)?.type === 'dir') linkedDirs.set(real, g);
    }
    for (const [dir, g] of linkedDirs) {
      const prefix = dir === '/' ? '/' : dir + '/';
      for (const e of index.entries()) {
        if (e.path.startsWith(prefix)) keepLookup(e.path, { kind: 'include-path', detail: g });
      }
    }
  }
  for (const b of opts.includeBins ?? []) keepLookup(joinPath(workdir, b), { kind: 'include-bin', detail: b });
  for (const x of opts.includeExes ?? []) {
    const p = lookPath(view, x, pathVar, workdir);
    if (p) keepLookup(p, { kind: 'include-exe', detail: x });
  }
  if (opts.includeShell) keepLookup('/bin/sh', { kind: 'include-shell' });

  // 4. Dependencies of everything kept, to a fixed point: parents, hardlink names, ELF
  // interpreter + NEEDED closure (src/elf's loader search, over the facts), #! interpreters.
  const libOpts = {
    elfOf: (p: string) => facts(p)?.elf,
    ldLibraryPath: (envValue(env, 'LD_LIBRARY_PATH') ?? '').split(/[:;]/).filter((d) => d !== ''),
    ldSoConfDirs: opts.ldLibraryDirs ?? [],
  };
  let sawElf = false;
  while (work.length > 0) {
    const path = work.pop()!;
    const k = keep.get(path)!;
    const e = k.entry;
    for (let p = parentOf(path); p !== undefined; p = parentOf(p)) {
      const pe = index.get(p);
      if (pe) add(p, pe, { kind: 'parent', of: path });
    }
    if (e.type === 'symlink') {
      // a kept link keeps what it points at (parents' links were followed by the walk)
      const l = e.linkname ?? '';
      if (l) keepLookup(l.startsWith('/') ? l : `${parentOf(path) ?? ''}/${l}`, { kind: 'symlink-target', of: path });
      continue;
    }
    if (e.type !== 'file' && e.type !== 'hardlink') continue;
    for (const other of index.hardlinkGroup(path)) {
      if (other === path) continue;
      const oe = index.get(other);
      if (oe) add(other, oe, { kind: 'hardlink', of: path });
    }
    const f = facts(path);
    if (f?.elf) {
      sawElf = true;
      // The whole closure, DT_RPATH inherited down the loader chain; each file is kept through
      // the path the loader opens, so the links and dirs on the way are kept with it.
      for (const lib of resolveLibraries(view, path, libOpts).files) {
        if (lib.type !== 'file') continue;
        keepLookup(lib.found, lib.via === 'interpreter'
          ? { kind: 'elf-interpreter', of: lib.neededBy }
          : { kind: 'elf-needed', of: lib.neededBy, detail: lib.name });
      }
    }
    if (f?.shebang) {
      const interp = joinPath('/', f.shebang.interpreter);
      keepLookup(interp, { kind: 'shebang', of: path });
      const base = interp.slice(interp.lastIndexOf('/') + 1);
      if (base === 'env' && f.shebang.arg) {
        const prog = envTarget(f.shebang.arg);
        const found = prog ? lookPath(view, prog, pathVar, '/') : undefined;
        if (found) keepLookup(found, { kind: 'shebang', of: path });
      }
    }
  }
  if (sawElf) {
    const cache = index.get('/etc/ld.so.cache');
    if (cache && !keep.has('/etc/ld.so.cache')) {
      keepLookup('/etc/ld.so.cache', { kind: 'ld-cache' });
      drainParents();
    }
  }

  // 5. Excludes, last; a directory that still holds kept entries stays.
  if (opts.excludes?.length) {
    const match = compileGlobs(opts.excludes.flatMap((g) => [g, ...throughLinks(g, view)]));
    const removed = [...keep.keys()].filter((p) => match(p));
    for (const p of removed) keep.delete(p);
    const needed = new Set<string>();
    for (const p of keep.keys()) for (let q = parentOf(p); q !== undefined; q = parentOf(q)) needed.add(q);
    for (const p of removed) {
      const e = index.get(p);
      if (needed.has(p) && e) keep.set(p, { entry: e, reasons: [{ kind: 'parent', of: firstChild(p) }] });
    }
  }
  return keep;

  function drainParents(): void {
    while (work.length > 0) {
      const p0 = work.pop()!;
      for (let p = parentOf(p0); p !== undefined; p = parentOf(p)) {
        const pe = index.get(p);
        if (pe) add(p, pe, { kind: 'parent', of: p0 });
      }
    }
  }
  function firstChild(dir: string): string | undefined {
    const prefix = dir === '/' ? '/' : dir + '/';
    for (const p of keep.keys()) if (p.startsWith(prefix)) return p;
    return undefined;
  }
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

function parentOf(p: string): string | undefined {
  if (p === '/') return undefined;
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

/** The program `/usr/bin/env [-S] [-i] [NAME=V...] prog args` runs. */
function envTarget(arg: string): string | undefined {
  for (const w of arg.trim().split(/\s+/)) {
    if (w === '' || w.startsWith('-') || w.includes('=')) continue;
    return w;
  }
  return undefined;
}
