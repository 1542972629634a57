// Ruby's $LOAD_PATH over a filesystem: RUBYLIB, site_ruby, vendor_ruby, the version's lib and
// arch dirs (C extensions), and every installed gem's lib dir; require_relative and load
// relative to the file.
import type { RawRef } from '../types.js';
import { dirname, envOf, Fs, join, none, type RefEnv, type Resolution } from './context.js';

const VERSION = /^\d+\.\d+\.\d+$/;

export class RubyResolver {
  private path?: string[];
  constructor(private readonly fs: Fs, private readonly env: RefEnv) {}

  resolve(from: string, ref: RawRef): Resolution {
    if (ref.how === 'require_relative') {
      const p = join(dirname(from), ref.name);
      const f = this.feature(p);
      return f ? { targets: [{ path: f }] } : none(`no file ${ref.name} next to ${from}`);
    }
    if (ref.kind === 'unit') {
      const dirs = (ref.name.startsWith('/') ? [ref.name] : this.loadPath().map((r) => join(r, ref.name))).filter((d) => this.fs.isDir(d));
      return dirs.length ? { targets: dirs.map((path) => ({ path, subtree: true })) } : none(`no directory ${ref.name}`);
    }
    const bases = ref.name.startsWith('/') ? [''] : ref.how === 'load' ? [this.env.workdir, ...this.loadPath()] : this.loadPath();
    for (const b of bases) {
      const f = this.feature(b === '' ? ref.name : join(b, ref.name));
      if (f) return { targets: [{ path: f }] };
    }
    return ref.ifPresent ? { targets: [] } : none(`no feature ${ref.name}`);
  }

  private feature(p: string): string | undefined {
    if (/\.(rb|so|bundle)$/.test(p)) return this.fs.isFile(p) ? p : undefined;
    for (const e of ['.rb', '.so']) if (this.fs.isFile(p + e)) return p + e;
    return undefined;
  }

  private loadPath(): string[] {
    if (this.path) return this.path;
    const out: string[] = [];
    const add = (d: string) => {
      if (!out.includes(d) && this.fs.isDir(d)) out.push(d);
    };
    for (const p of (envOf(this.env.env, 'RUBYLIB') ?? '').split(':')) if (p) add(join(this.env.workdir, p));
    const arches = this.fs.list('/usr/lib').filter((n) => /-linux-/.test(n));
    const libs = ['/usr/local/lib/site_ruby', '/usr/lib/ruby/vendor_ruby', '/usr/lib/ruby', '/usr/local/lib/ruby', '/usr/local/lib/ruby/site_ruby', '/usr/local/lib/ruby/vendor_ruby'];
    for (const lib of libs) {
      for (const v of this.fs.list(lib).filter((n) => VERSION.test(n))) {
        add(join(lib, v));
        for (const a of this.fs.list(join(lib, v)).filter((n) => /-linux/.test(n))) add(join(lib, `${v}/${a}`));
      }
      if (/site_ruby|vendor_ruby/.test(lib)) add(lib);
    }
    for (const a of arches) {
      for (const sub of ['ruby', 'ruby/vendor_ruby']) {
        for (const v of this.fs.list(`/usr/lib/${a}/${sub}`).filter((n) => VERSION.test(n))) add(`/usr/lib/${a}/${sub}/${v}`);
      }
    }
    // gems: <home>/gems/<name-version>/<each of its require_paths>, for every gem home
    const homes = ['/usr/share/rubygems-integration/all', '/usr/local/bundle'];
    for (const root of ['/var/lib/gems', '/usr/lib/ruby/gems', '/usr/local/lib/ruby/gems', '/usr/share/rubygems-integration']) {
      for (const v of this.fs.list(root)) homes.push(join(root, v));
    }
    const gemHome = envOf(this.env.env, 'GEM_HOME');
    if (gemHome) homes.push(gemHome);
    for (const h of homes) for (const g of this.fs.list(join(h, 'gems'))) for (const p of this.requirePaths(h, g)) add(join(h, `gems/${g}/${p}`));
    this.path = out;
    return out;
  }

  /** A gem's load path dirs: its gemspec's `require_paths` (concurrent-ruby's is lib/concurrent-ruby), or lib. */
  private requirePaths(home: string, gem: string): string[] {
    const spec = this.fs.text(join(home, `specifications/${gem}.gemspec`));
    const list = spec && /\.require_paths\s*=\s*\[([^\]]*)\]/.exec(spec);
    const paths = list ? [...list[1]!.matchAll(/["']([^"'\/][^"']*)["']/g)].map((m) => m[1]!).filter((p) => !p.split('/').includes('..')) : [];
    return paths.length ? paths : ['lib'];
  }
}
