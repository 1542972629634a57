// The one reference-following policy of `build` (src/select) and `imagebuild`: every kept file
// of code is read, the app's and the libraries' alike, and every reference it makes is
// followed (imports inside functions, the programs it runs, the libraries it loads by name,
// the absolute paths it names). Size is kept down by resolving exactly what is named, never by
// skipping files: `from pkg import name` keeps `pkg/name` only when it is a module, `if
// __name__ == "__main__":` blocks are left out by the scanner, a name computed at run time
// keeps the smallest unit holding every candidate, and a directory named in code is kept
// whole only when it holds data and is small (the bounds below; a cut one is reported).
import type { RawRef } from './types.js';

/** A directory kept whole for a name computed at run time, or a data set, may hold at most this much. */
export const UNIT_LIMIT = { entries: 20_000, bytes: 512 << 20 };
/** A directory kept whole because code names it: specific and small only. */
export const NAMED_DIR_LIMIT = { entries: 2_000, bytes: 32 << 20 };

/** The reason kinds references give, one per mechanism. */
export type RefReasonKind =
  /** a module or file loaded as code */
  | 'import'
  /** a program run by name or path */
  | 'command'
  /** a file a shell sources */
  | 'sourced'
  /** an absolute path written in code (a literal, a shell redirect target, a here-document) */
  | 'named'
  /** the smallest unit holding every candidate of a name computed at run time */
  | 'unit'
  /** a shared library loaded by name (ctypes, cffi, Fiddle, dlopen), or what that lookup runs and reads */
  | 'library';

/** Why a file is kept by reference: the mechanism, and the file and line that named it. */
export interface RefReason {
  kind: RefReasonKind;
  /** The file of code that names it. */
  of: string;
  line: number;
  /** How it was named, and the name: "import decimal", "redirect /srv/x.sql", "CDLL libbz2.so.1.0". */
  detail: string;
}

export function refReason(from: string, ref: RawRef): RefReason {
  return { kind: refReasonKind(ref), of: from, line: ref.line, detail: `${ref.how} ${ref.name}`.trim() };
}

function refReasonKind(ref: RawRef): RefReasonKind {
  switch (ref.kind) {
    case 'import': return ref.lang === 'shell' ? 'sourced' : 'import';
    case 'command': return 'command';
    case 'source': return 'sourced';
    case 'path': return 'named';
    case 'unit': return 'unit';
    case 'library': return 'library';
  }
}

/** How much of a directory a reference may keep whole. */
export function subtreeLimit(ref: RawRef): { entries: number; bytes: number } {
  return ref.kind === 'path' ? NAMED_DIR_LIMIT : UNIT_LIMIT;
}

/**
 * Files a directory named in code must not hold to be kept whole as data: code and programs
 * are found one by one through the import system and PATH, which a search directory named as a
 * literal (`/usr/lib/python3/dist-packages`, `/usr/share/perl5`) would otherwise bring whole.
 */
const CODE_FILE = /\.(py|pyc|js|mjs|cjs|rb|pm|pl|php|so(\.[\d.]+)?|node|jar|class)$/;

/**
 * Copies of code kept as examples, templates or backups: installed to be copied or read, never
 * run in place (git's template hooks `pre-commit.sample`, `config.php.dist`, `x.pl.orig`, `x~`).
 * Read only when the trace shows an interpreter opening one; data, not code, in a directory.
 */
const EXAMPLE = /\.(sample|example|dist|orig|bak|rej|dpkg-(old|new|dist))$|~$/i;

export function isExample(name: string): boolean {
  return EXAMPLE.test(name);
}

/** Code of one language, by its file name. */
const CODE_OF: Record<string, RegExp> = {
  python: /\.(py|pyc)$/, node: /\.(js|mjs|cjs|node)$/, ruby: /\.rb$/, perl: /\.(pm|pl)$/, php: /\.php$/, shell: /\.(sh|bash)$/,
};
/** Code whatever runs: libraries and the JVM's. */
const NATIVE_CODE = /\.(so(\.[\d.]+)?|jar|class)$/;

/**
 * Whether a subtree (its file paths, and which are executable) holds data only. With `langs`,
 * a file of another language's code is data (a web server's docroot holds .js for browsers).
 */
export function holdsData(files: Iterable<{ path: string; executable: boolean }>, langs?: ReadonlySet<string>): boolean {
  const code = (p: string) => (langs ? NATIVE_CODE.test(p) || [...langs].some((l) => CODE_OF[l]?.test(p)) : CODE_FILE.test(p));
  for (const f of files) if (!isExample(f.path) && (f.executable || code(f.path))) return false;
  return true;
}

/**
 * The directories the dynamic loader searches for a library named without a `/`, in its order
 * (LD_LIBRARY_PATH, ld.so.conf / ld.so.cache, the multiarch and default dirs).
 */
export function libraryDirs(ldLibraryPath: readonly string[], ldSoConf: readonly string[], multiarch: readonly string[]): string[] {
  const out: string[] = [];
  const add = (d: string) => {
    if (d && !out.includes(d)) out.push(d);
  };
  ldLibraryPath.forEach(add);
  ldSoConf.forEach(add);
  for (const t of multiarch) [`/lib/${t}`, `/usr/lib/${t}`].forEach(add);
  ['/lib64', '/usr/lib64', '/lib', '/usr/lib', '/usr/local/lib'].forEach(add);
  return out;
}

/**
 * Whether an import's fallback (`except ImportError:`) can be left out: every import its `try:`
 * tried resolves, and to source whose own imports are followed. An extension module (`.so`)
 * imports modules from C at init, which no scanner sees, so its fallback (which names them) stays.
 */
export function fallbackUnneeded(tried: readonly RawRef[], resolve: (r: RawRef) => { targets: Array<{ path: string }> }): boolean {
  return tried.every((r) => {
    const t = resolve(r).targets;
    return t.length > 0 && t.every((x) => !/\.so(\.[\d.]+)?$/.test(x.path));
  });
}

/**
 * Where `imagebuild` may take a file that kept code or a kept binary names by an absolute path
 * (a path literal, a path or a program or library name in an ELF file's strings). A path the
 * --from base image has is the base's (already in the image, fair game as in `build`).
 * Otherwise it is a host file, and the host is not the app's image: it holds its owner's data
 * and secrets, which a compiled-in path must never carry into an image. So a host file comes
 * only from the places installed software lives in, which hold no user data:
 * HOST_SYSTEM_DIRS, or a directory the user allows (--allow-host-path); never a file only its
 * owner (or group) may read, nor a path in a place that holds credentials, whatever allows it.
 * /etc is the host's configuration, /var its state, /home, /root, /tmp, /srv, /opt, /mnt
 * users' and sites' data: refused unless allowed, each reported.
 */
export const HOST_SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/** Places that hold credentials: never copied from the host by a reference, even when allowed. */
const SECRET_PLACE = /(^|\/)(\.ssh|\.gnupg|\.aws|\.azure|\.kube|\.docker|\.password-store|\.netrc|\.pgpass|\.git-credentials|\.npmrc|\.pypirc|id_(rsa|dsa|ecdsa|ed25519)[^/]*|private)(\/|$)|^\/etc\/(g?shadow|sudoers)(-|\/|$)|^\/etc\/ssh(\/|$)/;
/** The host's running state (virtual filesystems, sockets, sessions): never an image's. */
const RUNTIME_PLACE = /^\/(proc|sys|dev|run)(\/|$)/;

export interface HostSourceOptions {
  /** Directories the user allows beyond HOST_SYSTEM_DIRS (--allow-host-path). */
  allowed: readonly string[];
}

/** Why a host file may not be copied into an image by a reference, or undefined when it may. */
export function hostSourceRefused(path: string, mode: number | undefined, opts: HostSourceOptions): string | undefined {
  if (SECRET_PLACE.test(path)) return 'a place that holds credentials: never copied from the host';
  if (RUNTIME_PLACE.test(path)) return "the host's running state (/proc, /sys, /dev, /run): never copied from the host";
  if (mode !== undefined && (mode & 0o004) === 0) return 'not readable by everyone on the host: never copied from the host';
  const under = (d: string) => path === d || path.startsWith(d.endsWith('/') ? d : d + '/');
  if (HOST_SYSTEM_DIRS.some(under) || opts.allowed.some(under)) return undefined;
  return 'host file outside the system software directories (/usr, /bin, /sbin, /lib*): not copied (--allow-host-path DIR allows a directory)';
}

/**
 * More module names written in strings than this in one file (counted as written, repeats
 * too: a table that maps names writes them again and again) make it a catalog (RawRef.catalog).
 */
export const CATALOG_MIN = 64;
