// Perl's @INC over a filesystem: PERL5LIB, Debian's and a source build's module dirs; a
// module's XS library under auto/ comes with it.
import type { RawRef } from '../types.js';
import { dirname, envOf, Fs, join, none, type RefEnv, type Resolution, type Target } from './context.js';

export class PerlResolver {
  private inc?: string[];
  constructor(private readonly fs: Fs, private readonly env: RefEnv) {}

  resolve(from: string, ref: RawRef): Resolution {
    if (ref.kind === 'unit') {
      const ns = this.namespace(ref.name);
      return ref.ifPresent && ns.unresolved ? { targets: [] } : ns;
    }
    if (ref.how === 'require file') {
      for (const b of [...this.incDirs(), dirname(from), this.env.workdir]) {
        const p = join(b, ref.name);
        if (this.fs.isFile(p)) return { targets: [{ path: p }] };
      }
      return none(`no file ${ref.name}`);
    }
    if (ref.catalog && ref.name.split('::')[0] !== this.ownTop(from)) return { targets: [] };
    if (ref.name.endsWith('::*')) return this.children(ref.name.slice(0, -3), ref.names ?? []);
    const rel = ref.name.split('::').join('/');
    for (const d of this.incDirs()) {
      const pm = join(d, `${rel}.pm`);
      if (!this.fs.isFile(pm)) continue;
      const targets: Target[] = [{ path: pm }];
      const last = rel.slice(rel.lastIndexOf('/') + 1);
      // the XS part may live in another @INC dir (arch-specific) than the .pm
      for (const x of this.incDirs()) {
        const so = join(x, `auto/${rel}/${last}.so`);
        if (this.fs.isFile(so)) {
          targets.push({ path: so });
          break;
        }
      }
      return { targets };
    }
    return ref.ifPresent ? { targets: [] } : none(`no module ${ref.name}`);
  }

  /** The top namespace of a module file in @INC ('Module' for Module/CoreList.pm), or '' elsewhere. */
  private ownTop(from: string): string {
    const d = this.incDirs().find((dir) => from.startsWith(`${dir}/`));
    return d ? from.slice(d.length + 1).split('/')[0]!.replace(/\.pm$/, '') : '';
  }

  /** The modules directly in a namespace (`B::Hooks::EndOfScope::*`) named by `words`, each with its XS part. */
  private children(ns: string, words: readonly string[]): Resolution {
    const rel = ns.split('::').join('/');
    const wanted = new Set(words);
    const names = new Set<string>();
    for (const d of this.incDirs()) for (const n of this.fs.list(join(d, rel))) if (n.endsWith('.pm') && wanted.has(n.slice(0, -3))) names.add(n.slice(0, -3));
    const targets = [...names].flatMap((n) => this.resolve('', { lang: 'perl', kind: 'import', name: `${ns}::${n}`, line: 0, how: 'use', ifPresent: true }).targets);
    return { targets };
  }

  /** A namespace (`DBD`) or a dir of module files (`Plugin`): its dir in every @INC entry, and the XS parts under auto/. */
  private namespace(name: string): Resolution {
    const rel = name.split('::').join('/');
    const dirs: string[] = [];
    for (const d of this.incDirs()) for (const p of [join(d, rel), join(d, `auto/${rel}`)]) if (this.fs.isDir(p)) dirs.push(p);
    return dirs.length ? { targets: dirs.map((path) => ({ path, subtree: true })) } : none(`no namespace ${name} in @INC`);
  }

  private incDirs(): string[] {
    if (this.inc) return this.inc;
    const out: string[] = [];
    const add = (d: string) => {
      if (!out.includes(d) && this.fs.isDir(d)) out.push(d);
    };
    for (const p of (envOf(this.env.env, 'PERL5LIB') ?? envOf(this.env.env, 'PERLLIB') ?? '').split(':')) if (p) add(join(this.env.workdir, p));
    add('/etc/perl');
    const arches = this.fs.list('/usr/lib').filter((n) => /-linux-/.test(n));
    for (const a of arches) for (const v of this.fs.list(`/usr/local/lib/${a}/perl`)) add(`/usr/local/lib/${a}/perl/${v}`);
    for (const v of this.fs.list('/usr/local/share/perl')) add(`/usr/local/share/perl/${v}`);
    for (const a of arches) for (const v of this.fs.list(`/usr/lib/${a}/perl5`)) add(`/usr/lib/${a}/perl5/${v}`);
    add('/usr/share/perl5');
    for (const a of arches) add(`/usr/lib/${a}/perl-base`);
    for (const a of arches) for (const v of this.fs.list(`/usr/lib/${a}/perl`)) add(`/usr/lib/${a}/perl/${v}`);
    for (const v of this.fs.list('/usr/share/perl')) add(`/usr/share/perl/${v}`);
    add('/usr/local/lib/site_perl');
    // a perl built from source
    for (const v of this.fs.list('/usr/local/lib/perl5')) {
      add(`/usr/local/lib/perl5/${v}`);
      for (const a of this.fs.list(`/usr/local/lib/perl5/${v}`).filter((n) => /-linux/.test(n))) add(`/usr/local/lib/perl5/${v}/${a}`);
    }
    this.inc = out;
    return out;
  }
}
