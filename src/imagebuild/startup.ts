// What an interpreter loads before the script's first line, asked of the interpreter itself on
// the host (with the image's environment, no script): exact for this interpreter, its .pth
// files and sitecustomize, where reading site.py would miss what .pth lines and
// sitecustomize import. Python: every module in sys.modules that has a file, the sys.path
// directories (Python looks for os.py and lib-dynload to find its prefix, and warns on stderr
// when they are missing) and the site directories' .pth files. Perl: %INC; Ruby:
// $LOADED_FEATURES (rubygems); PHP: its ini files, the extensions they load and the system time
// zone database its date functions read (Debian's build). Node and the
// shells read nothing at startup.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { posix } from 'node:path';
import { langOfProgram } from '../refs/index.js';
import { UserError } from '../util/errors.js';

export interface Startup {
  /** Python modules (name and file) imported at startup. */
  modules: Array<{ name: string; file: string }>;
  /** Files loaded at startup. */
  files: string[];
  /** Directories that must exist (entries only, not their contents). */
  dirs: string[];
  /** Data directories read at run time, kept whole. */
  data: string[];
  /** Python: the modules compiled into the interpreter (sys.builtin_module_names): no file to find. */
  builtins: string[];
}

const PYTHON = `
import sys
for n in sys.builtin_module_names: print('b', n)
for n, m in list(sys.modules.items()):
    f = getattr(m, '__file__', None)
    if isinstance(f, str): print('m', n, f)
for d in sys.path:
    if d: print('d', d)
if 'site' in sys.modules:
    for d in sys.modules['site'].getsitepackages(): print('s', d)
`;
const PERL = 'print "f $_\\n" for values %INC';
const RUBY = 'puts $LOADED_FEATURES.map { |f| "f " + f }';
// PHP: its ini files and each extension and zend_extension they load (a missing one is a startup warning)
const PHP = `$x = ini_get('extension_dir');
foreach (array_filter(array_merge([php_ini_loaded_file()], array_map('trim', explode(',', (string) php_ini_scanned_files())))) as $f) {
  echo "f $f\\n";
  foreach (file($f) as $l) if (preg_match('/^\\s*(?:zend_)?extension\\s*=\\s*"?([^"\\s;]+)/', $l, $m)) {
    $p = $m[1][0] === '/' ? $m[1] : "$x/" . $m[1];
    if (!is_file($p)) $p .= '.so';
    if (is_file($p)) echo "f $p\\n";
  }
}
// Debian's PHP reads the system time zone database (its version then says "system")
if (str_contains(timezone_version_get(), 'system') && is_dir('/usr/share/zoneinfo')) echo "t /usr/share/zoneinfo\\n";`;

/** Output of the startup question is small; more means something else answered. */
const MAX_OUTPUT = 4 << 20;
const TIMEOUT_MS = 15_000;

export function interpreterStartup(interpreter: string, arg: string | undefined, env: readonly string[]): Startup {
  const lang = langOfProgram(posix.basename(interpreter));
  const code = lang === 'python' ? ['-c', PYTHON] : lang === 'perl' ? ['-e', PERL] : lang === 'ruby' ? ['-e', RUBY] : lang === 'php' ? ['-r', PHP] : undefined;
  if (!code) return { modules: [], files: [], dirs: [], data: [], builtins: [] };
  // The "#!" argument changes startup (python3 -S skips site, -I ignores the environment).
  const args = [...(arg ? [arg] : []), ...code];
  const r = spawnSync(interpreter, args, {
    env: Object.fromEntries(env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
    cwd: '/',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: TIMEOUT_MS,
    maxBuffer: MAX_OUTPUT,
  });
  if (r.error || r.status !== 0) {
    const why = r.error ? (r.error as NodeJS.ErrnoException).code ?? r.error.message : `exit ${r.status ?? r.signal}: ${firstLine(r.stderr)}`;
    throw new UserError(`${interpreter} ${arg ?? ''}`.trim() + ` does not start on the host (${why})`);
  }
  const out: Startup = { modules: [], files: [], dirs: [], data: [], builtins: [] };
  for (const line of r.stdout.toString('utf8').split('\n')) {
    const [kind, ...rest] = line.split(' ');
    const text = rest.join(' ');
    if (kind === 'm') {
      const sp = text.indexOf(' ');
      const file = text.slice(sp + 1);
      if (file.startsWith('/')) out.modules.push({ name: text.slice(0, sp), file });
    } else if (kind === 'f' && text.startsWith('/')) out.files.push(text);
    else if (kind === 't' && text.startsWith('/')) out.data.push(text);
    else if (kind === 'b' && /^[\w.]+$/.test(text)) out.builtins.push(text);
    else if ((kind === 'd' || kind === 's') && text.startsWith('/')) {
      out.dirs.push(text);
      // site reads every .pth file of its site directories
      if (kind === 's') for (const n of listDir(text)) if (n.endsWith('.pth')) out.files.push(`${text}/${n}`);
    }
  }
  return out;
}

function firstLine(b: Buffer | undefined): string {
  return (b?.toString('utf8') ?? '').trim().split('\n').pop()?.slice(0, 200) ?? '';
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}
