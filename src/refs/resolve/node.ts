// Node's module resolution over a filesystem: relative files and directories (extensions,
// package.json main, index files), bare specifiers through every node_modules up the tree,
// NODE_PATH and the global folders, package.json "exports" (every condition's target), and
// the built-in modules, which need no file.
import { builtinModules } from 'node:module';
import type { RawRef } from '../types.js';
import { dirname, envOf, Fs, join, none, type RefEnv, type Resolution, type Target } from './context.js';

const BUILTINS = new Set(builtinModules);
const EXTS = ['', '.js', '.json', '.node', '.mjs', '.cjs'];
const GLOBAL_DIRS = ['/usr/local/lib/node_modules', '/usr/lib/node_modules', '/usr/local/lib/node', '/usr/share/nodejs', '/usr/lib/nodejs'];

export class NodeResolver {
  private globals?: string[];
  constructor(private readonly fs: Fs, private readonly env: RefEnv) {}

  resolve(from: string, ref: RawRef): Resolution {
    const spec = ref.name;
    if (spec.startsWith('node:') || BUILTINS.has(spec) || BUILTINS.has(spec.split('/')[0]!)) return none();
    if (/^[a-z][\w+.-]*:/i.test(spec)) return none(); // data:, file:, https: URLs
    if (ref.kind === 'unit') {
      const dir = spec.startsWith('.') || spec.startsWith('/') ? join(dirname(from), spec) : this.packageDir(from, spec.replace(/\/$/, ''))?.dir;
      return dir && this.fs.isDir(dir) ? { targets: [{ path: dir, subtree: true }] } : none(`no directory ${spec}`);
    }
    if (spec.startsWith('./') || spec.startsWith('../') || spec === '.' || spec === '..' || spec.startsWith('/')) {
      const base = join(dirname(from), spec);
      const t = this.file(base) ?? this.directory(base);
      return t ? { targets: this.withScopes(t) } : none(`no file ${spec}`);
    }
    if (ref.ifPresent) {
      // only the app's own code configures packages by name; a package's strings are its own business
      if (from.includes('/node_modules/') || from.startsWith('/usr/share/javascript/') || GLOBAL_DIRS.some((d) => from.startsWith(`${d}/`))) return { targets: [] };
      const named = this.bare(from, spec);
      return named.unresolved ? { targets: [] } : { ...named, targets: this.withScopes(named.targets) };
    }
    const found = this.bare(from, spec);
    return 'targets' in found && found.targets.length ? { ...found, targets: this.withScopes(found.targets) } : found;
  }

  /** A bare specifier: a package through the search dirs, its manifest, "exports" or main. */
  private bare(from: string, spec: string): Resolution {
    const pkg = this.packageDir(from, spec);
    if (!pkg) return none(`no package ${spec}`);
    const targets: Target[] = [];
    const manifest = join(pkg.dir, 'package.json');
    const json = this.readJson(manifest);
    if (json) targets.push({ path: manifest });
    const exported = json?.exports !== undefined ? this.exportsTargets(pkg.dir, json.exports, pkg.sub) : undefined;
    if (exported === 'all') return { targets: [...targets, { path: pkg.dir, subtree: true }] };
    if (exported && exported.length > 0) return { targets: [...targets, ...exported] };
    const t = pkg.sub ? this.file(join(pkg.dir, pkg.sub)) ?? this.directory(join(pkg.dir, pkg.sub)) : this.directory(pkg.dir);
    return t ? { targets: [...targets, ...t] } : none(`nothing to load in ${pkg.dir} for ${spec}`);
  }

  /**
   * Each JavaScript file with the package.json nearest above it: Node reads that file's "type"
   * to load the file as CommonJS or as an ES module (flatted's cjs/package.json says
   * "commonjs" under a package that says "module"). The lookup stops at a node_modules dir.
   */
  private withScopes(targets: Target[]): Target[] {
    const out = [...targets];
    const seen = new Set(targets.map((t) => t.path));
    for (const t of targets) {
      if (t.subtree || !/\.(js|cjs|mjs)$/.test(t.path)) continue;
      for (let d = dirname(t.path); d !== '/' && !d.endsWith('/node_modules'); d = dirname(d)) {
        const manifest = join(d, 'package.json');
        if (!this.fs.isFile(manifest)) continue;
        if (!seen.has(manifest)) out.push({ path: manifest });
        seen.add(manifest);
        break;
      }
    }
    return out;
  }

  private packageDir(from: string, spec: string): { dir: string; sub: string } | undefined {
    const parts = spec.split('/');
    const nameLen = spec.startsWith('@') ? 2 : 1;
    const name = parts.slice(0, nameLen).join('/');
    const sub = parts.slice(nameLen).join('/');
    for (const d of this.searchDirs(dirname(from))) {
      const dir = join(d, name);
      if (this.fs.isDir(dir)) return { dir, sub };
    }
    return undefined;
  }

  /** node_modules of every ancestor, then NODE_PATH and the global folders. */
  private searchDirs(start: string): string[] {
    const out: string[] = [];
    for (let d = start; ; d = dirname(d)) {
      if (!d.endsWith('/node_modules')) out.push(join(d, 'node_modules'));
      if (d === '/') break;
    }
    if (!this.globals) {
      const home = envOf(this.env.env, 'HOME') ?? '/root';
      const extra = (envOf(this.env.env, 'NODE_PATH') ?? '').split(':').filter(Boolean).map((p) => join(this.env.workdir, p));
      const multiarch = this.fs.list('/usr/lib').filter((n) => /-linux-/.test(n)).map((n) => `/usr/lib/${n}/nodejs`);
      this.globals = [...extra, join(home, '.node_modules'), join(home, '.node_libraries'), ...GLOBAL_DIRS, ...multiarch].filter((d) => this.fs.isDir(d));
    }
    return [...out, ...this.globals];
  }

  private file(base: string): Target[] | undefined {
    for (const e of EXTS) if (this.fs.isFile(base + e)) return [{ path: base + e }];
    return undefined;
  }

  private directory(dir: string): Target[] | undefined {
    if (!this.fs.isDir(dir)) return undefined;
    const manifest = join(dir, 'package.json');
    const json = this.readJson(manifest);
    const out: Target[] = json ? [{ path: manifest }] : [];
    const main = typeof json?.main === 'string' ? json.main : undefined;
    if (main) {
      const t = this.file(join(dir, main)) ?? this.index(join(dir, main));
      if (t) return [...out, ...t];
    }
    const t = this.index(dir);
    return t ? [...out, ...t] : out.length ? out : undefined;
  }

  private index(dir: string): Target[] | undefined {
    for (const e of ['.js', '.json', '.node', '.mjs', '.cjs']) if (this.fs.isFile(join(dir, `index${e}`))) return [{ path: join(dir, `index${e}`) }];
    return undefined;
  }

  /** Every file "exports" can map `sub` to, over all conditions; 'all' when a pattern could name any file. */
  private exportsTargets(dir: string, exports: unknown, sub: string): Target[] | 'all' | undefined {
    const key = sub === '' ? '.' : `./${sub}`;
    let entry: unknown = exports;
    if (exports && typeof exports === 'object' && !Array.isArray(exports)) {
      const keys = Object.keys(exports as object);
      if (keys.some((k) => k.startsWith('.'))) {
        const map = exports as Record<string, unknown>;
        if (key in map) entry = map[key];
        else if (keys.some((k) => k.includes('*') || k.endsWith('/'))) return 'all';
        else return undefined;
      } else if (sub !== '') return undefined;
    } else if (sub !== '') return undefined;
    const out: Target[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'string') {
        if (v.includes('*')) throw new AllFiles();
        const p = join(dir, v);
        if (this.fs.isFile(p)) out.push({ path: p });
      } else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    try {
      walk(entry);
    } catch (e) {
      if (e instanceof AllFiles) return 'all';
      throw e;
    }
    return out;
  }

  private readJson(path: string): Record<string, unknown> | undefined {
    const t = this.fs.text(path);
    if (t === undefined) return undefined;
    try {
      const v = JSON.parse(t) as unknown;
      return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }
}

class AllFiles extends Error {}
