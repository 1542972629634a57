// Resolves what a file refers to inside one filesystem (an image, or the host): one resolver
// per language, each with its own search paths, sharing the lookups.
import type { FileView } from '../../elf/index.js';
import type { Lang, RawRef } from '../types.js';
import { CommandResolver } from './commands.js';
import { Fs, isBroad, type RefEnv, type Resolution } from './context.js';
import { LibraryResolver } from './library.js';
import { NodeResolver } from './node.js';
import { PerlResolver } from './perl.js';
import { PhpResolver } from './php.js';
import { PythonResolver } from './python.js';
import { RubyResolver } from './ruby.js';

export type { RefEnv, Resolution, Target } from './context.js';
export { isBroad } from './context.js';

export class RefResolver {
  readonly fs: Fs;
  private readonly commands: CommandResolver;
  private readonly libraries: LibraryResolver;
  private readonly byLang: Record<Exclude<Lang, 'shell'>, { resolve(from: string, r: RawRef): Resolution }>;

  constructor(readonly env: RefEnv) {
    this.fs = new Fs(env.view);
    this.commands = new CommandResolver(this.fs, env);
    this.libraries = new LibraryResolver(this.fs, env);
    this.byLang = {
      python: new PythonResolver(this.fs, env),
      node: new NodeResolver(this.fs, env),
      ruby: new RubyResolver(this.fs, env),
      perl: new PerlResolver(this.fs, env),
      php: new PhpResolver(this.fs, env),
    };
  }

  resolve(from: string, ref: RawRef): Resolution {
    switch (ref.kind) {
      case 'command': return this.commands.command(from, ref);
      case 'source': return this.commands.source(from, ref);
      case 'path': return this.commands.path(from, ref);
      case 'library': return this.libraries.resolve(ref);
      case 'unit':
        if (ref.name.startsWith('/') || ref.name.startsWith('${__DIR__}') || ref.lang === 'shell') {
          const r = this.commands.path(from, ref);
          return r.targets.some((t) => isBroad(t.path)) ? { targets: [], unresolved: `${ref.name} is too broad to keep whole` } : r;
        }
        return this.byLang[ref.lang].resolve(from, ref);
      case 'import':
        if (ref.lang === 'shell') return this.commands.source(from, ref);
        return this.byLang[ref.lang].resolve(from, ref);
    }
  }

  /** A program name looked up on the environment's PATH. */
  lookPath(name: string): string | undefined {
    return this.commands.lookPath(name);
  }
}

/** Creates a resolver over any filesystem view. */
export function refResolver(view: FileView, env: readonly string[], workdir: string, traced?: readonly string[], ldSoConfDirs?: readonly string[]): RefResolver {
  return new RefResolver({ view, env, workdir, traced, ldSoConfDirs });
}
