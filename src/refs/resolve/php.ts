// PHP's include and require: absolute paths, paths relative to the including file's
// directory (__DIR__), and relative paths over the include path and the working directory.
import type { RawRef } from '../types.js';
import { dirname, envOf, Fs, join, none, type RefEnv, type Resolution } from './context.js';

const INCLUDE_PATH = ['/usr/share/php', '/usr/share/pear', '/usr/local/lib/php'];

export class PhpResolver {
  constructor(private readonly fs: Fs, private readonly env: RefEnv) {}

  resolve(from: string, ref: RawRef): Resolution {
    const name = ref.name.replace(/^__DIR__\//, `${dirname(from)}/`);
    const bases = name.startsWith('/') ? [''] : [this.env.workdir, ...INCLUDE_PATH, ...(envOf(this.env.env, 'PHP_INCLUDE_PATH') ?? '').split(':'), dirname(from)];
    for (const b of bases) {
      const p = b === '' ? name : join(b, name);
      if (ref.kind === 'unit' ? this.fs.isDir(p) : this.fs.isFile(p)) return { targets: [{ path: p, subtree: ref.kind === 'unit' }] };
    }
    return none(`no file ${ref.name}`);
  }
}
