// What a file of code refers to, as written (scan/*), before it is looked up in an image or
// on the host (resolve/*).

export type Lang = 'python' | 'node' | 'ruby' | 'perl' | 'php' | 'shell';

export type RefKind =
  /** A module or file loaded as code: Python import, require/import, Ruby require, Perl use, PHP include. */
  | 'import'
  /** A program the code runs (a shell command word, a subprocess/exec/system call). */
  | 'command'
  /** A file the shell reads as code (`.`, `source`). */
  | 'source'
  /** An absolute path named as a literal. */
  | 'path'
  /**
   * A name built at run time from a literal prefix (`import_module("plugins." + x)`,
   * `require("./locales/" + lang)`): the smallest unit holding every candidate is kept.
   */
  | 'unit'
  /**
   * A shared library loaded by name at run time (ctypes `CDLL`, `find_library`, cffi
   * `dlopen`, Ruby `Fiddle.dlopen`, Node `process.dlopen`, Perl `DynaLoader::dl_load_file`):
   * found the way the loader finds it; `how` says which lookup (find_library also runs ldconfig).
   */
  | 'library';

export interface RawRef {
  lang: Lang;
  kind: RefKind;
  /** Module name, specifier, feature, command word, path or prefix, as written. */
  name: string;
  /** 1-based line in the file. */
  line: number;
  /** How the code said it: import, from, require, require_relative, use, include, exec... */
  how: string;
  /** Python: the number of leading dots of a relative import. */
  level?: number;
  /** Python `from X import a, b`: the imported names (each may be a submodule). */
  names?: string[];
  /**
   * Said inside a function body (Python def, Perl sub's require): it happens only when that
   * function runs, not when the file is loaded.
   */
  lazy?: boolean;
  /**
   * What is named is optional, and why: the code runs without it (it only asks whether a
   * program is there, `shutil.which`). Kept by `build` unless --drop-optional, reported either way.
   */
  optional?: string;
  /**
   * A module name written as a string: the code may load it by that name (pygments's lexer
   * table `'pygments.lexers.python'`, Django's settings `'django.core.mail.backends.console.EmailBackend'`,
   * dictConfig's `'logging.handlers.RotatingFileHandler'`, Perl's `'Template::Context'`). Imported
   * when it names a module that is there (Python: or the module its last names are attributes
   * of), silently nothing otherwise.
   */
  ifPresent?: boolean;
  /**
   * With `ifPresent`: the file names more modules in strings than a loader's table does (a
   * catalog: Perl's Module::CoreList, a linter's list of the standard library). Followed only
   * into the file's own package, as a package's table of its own modules is.
   */
  catalog?: boolean;
  /**
   * A command another program runs (`xargs echo`, `find -exec basename`, `env printf`, `nice
   * kill`): a program found on PATH even where the shell has a builtin of the same name.
   */
  external?: boolean;
  /**
   * Python: an import in an `except ImportError:` handler, and the imports of its `try:` body it
   * falls back from: needed only when one of those is missing.
   */
  insteadOf?: RawRef[];
}
