// What an interpreter loads before the script's first line, asked of the interpreter itself on
// the host (with the image's environment, no script): exact for this interpreter, its .pth
// files and sitecustomize, where reading site.py would miss what .pth lines and
// sitecustomize import. Python: every module in sys.modules that has a file, the sys.path
// directories (Python looks for os.py and lib-dynload to find its prefix, and warns on stderr
// when they are missing) and the site directories' .pth files. Perl: %INC; Ruby:
// $LOADED_FEATURES (rubygems); PHP: its ini files, the extensions they load and the system time
// zone database its date functions read (Debian's build). Node and the
// shells read nothing at startup.
import { readdirSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { execaSync } from 'execa';
import { langOfProgram } from '../refs/index.js';
import { sourceFile } from '../util/compiled.js';
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

/** The question per language, a program of its own in startup/ (the option that runs a program given as text). */
const QUESTIONS: Record<string, { option: string; file: string }> = {
  python: { option: '-c', file: 'python.py' },
  perl: { option: '-e', file: 'perl.pl' },
  ruby: { option: '-e', file: 'ruby.rb' },
  php: { option: '-r', file: 'php.php' },
};

/** The program's text as its interpreter takes it on the command line (PHP's without its opening tag). */
function questionText(file: string): string {
  return readFileSync(sourceFile(`imagebuild/startup/${file}`), 'utf8').replace(/^<\?php\n/, '');
}

/** Output of the startup question is small; more means something else answered. */
const MAX_OUTPUT = 4 << 20;
const TIMEOUT_MS = 15_000;

export function interpreterStartup(interpreter: string, arg: string | undefined, env: readonly string[]): Startup {
  const lang = langOfProgram(posix.basename(interpreter));
  const q = lang ? QUESTIONS[lang] : undefined;
  if (!q) return { modules: [], files: [], dirs: [], data: [], builtins: [] };
  const code = [q.option, questionText(q.file)];
  // The "#!" argument changes startup (python3 -S skips site, -I ignores the environment).
  const args = [...(arg ? [arg] : []), ...code];
  const r = execaSync(interpreter, args, {
    env: Object.fromEntries(env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
    extendEnv: false,
    cwd: '/',
    stdin: 'ignore',
    timeout: TIMEOUT_MS,
    maxBuffer: MAX_OUTPUT,
    reject: false,
  });
  if (r.failed) {
    const why = r.code ?? (r.timedOut ? 'ETIMEDOUT' : r.isMaxBuffer ? 'ENOBUFS' : `exit ${r.exitCode ?? r.signal}: ${firstLine(r.stderr)}`);
    throw new UserError(`${interpreter} ${arg ?? ''}`.trim() + ` does not start on the host (${why})`);
  }
  const out: Startup = { modules: [], files: [], dirs: [], data: [], builtins: [] };
  for (const line of r.stdout.split('\n')) {
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

function firstLine(text: string): string {
  return text.trim().split('\n').pop()?.slice(0, 200) ?? '';
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}
