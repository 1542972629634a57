// Programs a script runs, files a shell sources, and paths code names: looked up the way the
// shell would (builtins need no file; a word without "/" is searched on PATH), with the
// script's own directory and the image's environment expanded.
import type { RawRef } from '../types.js';
import { DEFAULT_PATH } from '../../util/paths.js';
import { dirname, envOf, Fs, isBroad, join, none, normalize, type RefEnv, type Resolution } from './context.js';
import { expandGlob } from '../../elf/index.js';

/** A glob that matches more paths than this names no specific files. */
const GLOB_LIMIT = 2_000;

/** Shell builtins (and keywords) that need no file even where a program of the same name exists. */
const BUILTINS = new Set(('alias bg break builtin cd command continue declare echo eval exec exit export false fc fg getopts hash ' +
  'jobs kill let local logout printf pwd read readonly return set shift shopt source test times trap true type typeset ' +
  'ulimit umask unalias unset wait [ [[ ] ]] : . { } ! case esac if fi then else elif for while until do done in function select time coproc mapfile readarray disown enable help history pushd popd dirs suspend caller compgen complete').split(' '));

export class CommandResolver {
  constructor(private readonly fs: Fs, private readonly env: RefEnv) {}

  /** `${__DIR__}` and `${NAME}` (from the environment) expanded; undefined when a variable stays unknown. */
  expand(from: string, word: string): string | undefined {
    const s = word.replace(/\$\{(\w+)\}/g, (all, name: string) => (name === '__DIR__' ? dirname(from) : envOf(this.env.env, name) ?? all));
    return /\$/.test(s) ? undefined : s;
  }

  command(from: string, ref: RawRef): Resolution {
    const word = this.expand(from, ref.name);
    if (word === undefined) return none(`cannot expand ${ref.name}`);
    if (BUILTINS.has(word) && !ref.external) return none();
    if (word.includes('/')) {
      const p = join(this.env.workdir, word);
      return this.fs.isFile(p) ? { targets: [{ path: p }] } : none(`no program ${word}`);
    }
    const found = this.lookPath(word);
    if (found) return { targets: [{ path: found }] };
    return ref.ifPresent ? { targets: [] } : none(`${word} not on PATH`);
  }

  source(from: string, ref: RawRef): Resolution {
    const word = this.expand(from, ref.name);
    if (word === undefined) return none(`cannot expand ${ref.name}`);
    const cands = word.includes('/') ? [join(this.env.workdir, word)] : [this.lookPath(word), join(this.env.workdir, word), join(dirname(from), word)];
    for (const c of cands) if (c && this.fs.isFile(c)) return { targets: [{ path: c }] };
    return none(`no file ${word}`);
  }

  /** An absolute path named in code: the file, or a directory (whole when it is specific and small). */
  path(from: string, ref: RawRef): Resolution {
    const expanded = this.expand(from, ref.name);
    if (expanded === undefined || !expanded.startsWith('/')) return none();
    const p = normalize(expanded); // ${__DIR__}/../lib
    if (/[*?[]/.test(p)) { // a glob pattern: the files it matches
      const found = expandGlob(this.fs.view, p, GLOB_LIMIT);
      if (!found) return none(`${p} matches more than ${GLOB_LIMIT} paths`);
      return { targets: found.filter((f) => !this.fs.isDir(f)).map((path) => ({ path })) };
    }
    const st = this.fs.stat(p);
    if (!st) return none(); // code names many paths that exist only at run time
    if (st.type === 'dir') return { targets: [{ path: p, subtree: ref.kind === 'unit' || !isBroad(p) }] };
    return { targets: [{ path: p }] };
  }

  lookPath(name: string): string | undefined {
    const pathVar = envOf(this.env.env, 'PATH') ?? DEFAULT_PATH;
    for (const dir of pathVar.split(':')) {
      const cand = join(dir === '' ? this.env.workdir : dir, name);
      const st = this.fs.stat(cand);
      if (st?.type === 'file' && ((st.mode ?? 0o755) & 0o111) !== 0) return cand;
    }
    return undefined;
  }
}
