// Python's import system over a filesystem: sys.path from the interpreter's layout (stdlib,
// lib-dynload, site/dist-packages, venvs seen in the trace, .pth files, PYTHONPATH) and the
// importing file's own package root; packages with their __init__, namespace packages,
// extension modules, and each module's cached bytecode.
import type { RawRef } from '../types.js';
import { dirname, envOf, Fs, join, none, type RefEnv, type Resolution, type Target } from './context.js';

const VERSION_DIR = /^python3\.\d+$/;

/** How many trailing names of a dotted string may be attributes of the module (module.Class.method). */
const ATTRIBUTE_DEPTH = 2;

export class PythonResolver {
  private std?: string[];
  constructor(private readonly fs: Fs, private readonly env: RefEnv) {}

  resolve(from: string, ref: RawRef): Resolution {
    if (ref.how === 'package resource') return this.resource(from, ref.name);
    if (ref.kind === 'unit') {
      const pkg = this.find(ref.name, this.roots(from));
      const dir = pkg?.dir;
      if (dir) return { targets: [...pkg.files, { path: dir, subtree: true }] };
      return ref.ifPresent ? { targets: [] } : none(`no package ${ref.name}`);
    }
    if (ref.level && ref.level > 0) {
      let base = dirname(from);
      for (let i = 1; i < ref.level; i++) base = dirname(base);
      const targets: Target[] = [];
      const mod = ref.name === '' ? undefined : this.findIn(base, ref.name.split('.'));
      if (ref.name !== '' && !mod) return none(`no module ${'.'.repeat(ref.level)}${ref.name} next to ${from}`);
      if (mod) targets.push(...mod.files);
      const pkgDir = ref.name === '' ? base : mod?.dir;
      if (pkgDir) for (const n of ref.names ?? []) targets.push(...(this.findIn(pkgDir, [n])?.files ?? []));
      return { targets };
    }
    const roots = this.roots(from);
    if (ref.ifPresent) {
      // 'pkg.mod.Class' (import_string, dictConfig) names pkg.mod; a name no module has is only a string
      const parts = ref.name.split('.');
      if (ref.catalog && parts[0] !== this.ownTop(from)) return { targets: [] };
      for (let n = parts.length; n >= Math.max(1, parts.length - ATTRIBUTE_DEPTH); n--) {
        // a top-level module alone only before a class ('json.JSONDecoder'; 'config.yaml' is a file name)
        if (n === 1 && parts.length > 1 && !/^[A-Z]/.test(parts[1]!)) break;
        const mod = this.find(parts.slice(0, n).join('.'), roots);
        if (mod) return { targets: mod.files };
      }
      return { targets: [] };
    }
    const mod = this.find(ref.name, roots);
    if (!mod) return none(`no module ${ref.name}`);
    const targets = [...mod.files];
    if (mod.dir) for (const n of ref.names ?? []) targets.push(...(this.findIn(mod.dir, [n])?.files ?? []));
    return { targets };
  }

  /** `pkg:path`: that path in the package's directory (`.`: the naming file's own package), whole when a directory. */
  private resource(from: string, name: string): Resolution {
    const colon = name.indexOf(':');
    const pkg = name.slice(0, colon);
    const dir = pkg === '.' ? dirname(from) : this.find(pkg, this.roots(from))?.dir;
    if (!dir) return { targets: [] };
    const p = join(dir, name.slice(colon + 1));
    if (this.fs.isDir(p)) return { targets: [{ path: p, subtree: true }] };
    return this.fs.isFile(p) ? { targets: [{ path: p }] } : { targets: [] };
  }

  /** The top-level package the file belongs to ('pygments' for pygments/lexers/_mapping.py). */
  private ownTop(from: string): string {
    const root = this.packageRoot(dirname(from));
    return from.slice(root === '/' ? 1 : root.length + 1).split('/')[0]!.replace(/\.py$/, '');
  }

  /** sys.path as the interpreter builds it, with the importing file's package root first. */
  roots(from: string): string[] {
    return [this.packageRoot(dirname(from)), ...this.stdRoots()];
  }

  /** The nearest ancestor that is not a regular package: where this file's absolute imports start. */
  private packageRoot(dir: string): string {
    let d = dir;
    while (d !== '/' && (this.fs.isFile(join(d, '__init__.py')) || this.hasInitPyc(d))) d = dirname(d);
    return d;
  }

  private hasInitPyc(d: string): boolean {
    return this.fs.list(d).includes('__init__.pyc');
  }

  private stdRoots(): string[] {
    if (this.std) return this.std;
    const out: string[] = [];
    const add = (d: string) => {
      if (!out.includes(d) && this.fs.isDir(d)) out.push(d);
    };
    for (const p of (envOf(this.env.env, 'PYTHONPATH') ?? '').split(':')) if (p) add(join(this.env.workdir, p));
    for (const prefix of ['/usr/local/lib', '/usr/lib']) {
      for (const v of this.fs.list(prefix).filter((n) => VERSION_DIR.test(n))) {
        add(join(prefix, v));
        add(join(prefix, `${v}/lib-dynload`));
      }
    }
    // site dirs in the interpreter's order (Debian: /usr/local/lib/python3.X/dist-packages, then
    // /usr/lib/python3/dist-packages, then /usr/lib/python3.X/dist-packages), and venvs the trace went through
    const sites: string[] = [];
    const versions = (prefix: string) => this.fs.list(prefix).filter((n) => VERSION_DIR.test(n));
    for (const v of versions('/usr/local/lib')) sites.push(`/usr/local/lib/${v}/site-packages`, `/usr/local/lib/${v}/dist-packages`);
    sites.push('/usr/lib/python3/dist-packages');
    for (const v of versions('/usr/lib')) sites.push(`/usr/lib/${v}/site-packages`, `/usr/lib/${v}/dist-packages`);
    for (const p of this.env.traced ?? []) {
      const m = /^(.*\/lib\/python3\.\d+\/(?:site|dist)-packages)\//.exec(p);
      if (m && !sites.includes(m[1]!)) sites.push(m[1]!);
    }
    for (const s of sites) {
      if (!this.fs.isDir(s)) continue;
      add(s);
      // .pth files add directories (lines that are not imports)
      for (const pth of this.fs.glob(s, /\.pth$/)) {
        for (const line of (this.fs.text(pth, 64 << 10) ?? '').split('\n')) {
          const t = line.trim();
          if (t && !t.startsWith('#') && !/^import[\s\t]/.test(t)) add(join(s, t));
        }
      }
    }
    this.std = out;
    return out;
  }

  /**
   * As the import system searches sys.path: the first entry holding a regular package (with
   * __init__) or a module of the top-level name wins; a directory without __init__ is only a
   * namespace portion, used when no entry holds a regular package or module.
   */
  private find(dotted: string, roots: string[]): { files: Target[]; dir?: string } | undefined {
    const parts = dotted.split('.');
    const portions: string[] = [];
    for (const r of roots) {
      const top = join(r, parts[0]!);
      const regular = this.fs.isDir(top) && this.moduleFiles(top, '__init__').length > 0;
      if (!regular && this.moduleFiles(r, parts[0]!).length === 0) {
        if (this.fs.isDir(top)) portions.push(r);
        continue;
      }
      return this.findIn(r, parts);
    }
    for (const r of portions) {
      const m = this.findIn(r, parts);
      if (m) return m;
    }
    return undefined;
  }

  /** Resolves `parts` below `base`: each package's __init__ on the way, then the module. */
  private findIn(base: string, parts: string[]): { files: Target[]; dir?: string } | undefined {
    const files: Target[] = [];
    let cur = base;
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i]!;
      const last = i === parts.length - 1;
      const dir = join(cur, name);
      if (this.fs.isDir(dir)) {
        const init = this.moduleFiles(dir, '__init__');
        if (init.length > 0 || !last || !this.moduleFiles(cur, name).length) {
          // a regular package, or a namespace package (a directory without __init__)
          files.push({ path: dir }, ...init);
          cur = dir;
          if (last) return { files, dir };
          continue;
        }
      }
      if (!last) return undefined;
      const mod = this.moduleFiles(cur, name);
      if (mod.length === 0) return undefined;
      files.push(...mod);
      return { files };
    }
    return { files, dir: cur };
  }

  /** `name.py` (with its __pycache__ entries), `name.pyc`, or an extension module `name.*.so`. */
  private moduleFiles(dir: string, name: string): Target[] {
    const names = this.fs.list(dir);
    const out: Target[] = [];
    if (names.includes(`${name}.py`)) {
      out.push({ path: join(dir, `${name}.py`) });
      for (const c of this.fs.list(join(dir, '__pycache__'))) {
        if (c.startsWith(`${name}.`) && c.endsWith('.pyc') && c.split('.').length <= 4) out.push({ path: join(dir, `__pycache__/${c}`) });
      }
      return out;
    }
    if (names.includes(`${name}.pyc`)) return [{ path: join(dir, `${name}.pyc`) }];
    const ext = names.find((n) => n.startsWith(`${name}.`) && n.endsWith('.so') && /^[^.]+(\.[\w-]+)?\.so$/.test(n));
    return ext ? [{ path: join(dir, ext) }] : [];
  }
}
