// System data that libraries read on demand, by a name only known at run time (a time zone,
// a charset, a certificate, a locale, a JVM class): when a program can reach a data set, the
// whole set is kept, since which part it will want next cannot be known from one run.
import { LOCAL_TIME_SYMBOLS, resolvePath } from '../elf/index.js';
import { Fs, join } from './resolve/context.js';

export interface DataSetContext {
  fs: Fs;
  env: readonly string[];
  /** Paths the traced run touched. */
  traced: readonly string[];
  /** Whether a kept ELF file refers to a dynamic symbol (imports it). */
  usesSymbol(path: string, symbol: string): boolean;
}

export interface DataSetNeed {
  /** Short name: tz, ca, gconv, locale, fonts, jvm, python-encodings, python-metadata, node-addons, ruby-encodings, perl-encode, netdb. */
  set: string;
  /** What it is, for the report: "time zone database". */
  what: string;
  /** The kept (or traced) path that makes it needed, or the config setting. */
  trigger: string;
  /** Files and directories to keep whole. */
  roots: string[];
  /** Files under the roots the program runs without (slower, or with less): what they are. */
  optional?: { what: string; match: RegExp };
}

interface Rule {
  set: string;
  what: string;
  /** A kept path that needs the set: the roots it implies, or undefined. */
  kept?(path: string, ctx: DataSetContext): string[] | undefined;
  /** Traced paths under these prefixes mean the app already reads the set. */
  tracedUnder?: (ctx: DataSetContext) => string[];
  /** Traced paths under the prefixes that do not count (an index every user of a library reads). */
  tracedIgnore?: RegExp;
  /** The set's roots when triggered by a trace or the config. */
  roots(ctx: DataSetContext): string[];
  /** Triggered by the config (environment) alone. */
  config?(ctx: DataSetContext): string | undefined;
  /** Members the program runs without (slower, or with less). */
  optional?: { what: string; match: RegExp };
}

const arches = (fs: Fs) => fs.list('/usr/lib').filter((n) => /-linux-/.test(n));
const existing = (fs: Fs, paths: string[]) => paths.filter((p) => fs.stat(p) !== undefined || fs.view.lstat(p) !== undefined);

const TLS_LIB = /\/lib(ssl|crypto|gnutls|nss3|mbedtls|mbedx509|wolfssl)[\w-]*\.so(\.[\d.]+)?$/;

const RULES: Rule[] = [
  {
    set: 'tz', what: 'time zone database',
    // a zone file kept because code names it (not /etc/localtime's own target), a library that
    // looks zones up by name, or a program calling libc's local-time functions: `docker run -e
    // TZ=Europe/Berlin` makes them read that zone (the C library's own strings name the
    // directory for every program; what a program calls is what tells)
    kept: (p, ctx) => ((p.startsWith('/usr/share/zoneinfo/') && p !== localtimeTarget(ctx) && ctx.fs.isFile(p))
      || (!/\/(libc|ld-linux[\w-]*|libstdc\+\+)\.so/.test(p) && /\.so(\.[\d.]+)?$|\/s?bin\//.test(p) && LOCAL_TIME_SYMBOLS.some((s) => ctx.usesSymbol(p, s)))
      || /\/python3\.\d+\/zoneinfo\/__init__\.py$/.test(p) || /\/tzinfo\/data_sources\/zoneinfo_data_source\.rb$/.test(p)
      || /\/DateTime\/TimeZone\/Local\/Unix\.pm$/.test(p) ? tzRoots(ctx) : undefined),
    tracedUnder: () => ['/usr/share/zoneinfo/'],
    config: (ctx) => ctx.env.find((kv) => /^TZ=./.test(kv)),
    roots: (ctx) => tzRoots(ctx),
  },
  {
    set: 'postgresql', what: "PostgreSQL's loadable modules and shared data (conversions, languages, time zone sets, text search)",
    kept: (p, ctx) => {
      const m = /^\/usr\/lib\/postgresql\/([^/]+)\/bin\/postgres$/.exec(p);
      return m ? existing(ctx.fs, [`/usr/lib/postgresql/${m[1]}/lib`, `/usr/share/postgresql/${m[1]}`]) : undefined;
    },
    roots: () => [],
    // jit = on only speeds up long queries; without its provider the server plans as without JIT
    optional: { what: "PostgreSQL's JIT provider (queries run without JIT compilation)", match: /\/lib\/postgresql\/[^/]+\/lib\/(llvmjit[\w.]*\.so|bitcode(\/|$)|llvmjit_types\.bc)/ },
  },
  {
    set: 'ca', what: 'CA certificates and TLS configuration',
    kept: (p, ctx) => (TLS_LIB.test(p) ? caRoots(ctx) : undefined),
    tracedUnder: () => ['/etc/ssl/', '/usr/lib/ssl/', '/etc/pki/', '/usr/share/ca-certificates/'],
    roots: (ctx) => caRoots(ctx),
  },
  {
    set: 'gconv', what: 'iconv charset modules (gconv)',
    // libc defines iconv_open; libstdc++ imports it only for codecvt facets of named locales
    // other than the environment's (a program that sets one reads the locale, and the run shows it)
    kept: (p, ctx) => (!/\/(libc|ld-linux[\w-]*|libstdc\+\+)\.so/.test(p) && /\.so(\.[\d.]+)?$|\/s?bin\//.test(p) && ctx.usesSymbol(p, 'iconv_open') ? gconvRoots(ctx) : undefined),
    tracedUnder: (ctx) => arches(ctx.fs).map((a) => `/usr/lib/${a}/gconv/`),
    // glibc reads the module index when a program sets its locale, then uses built-in UTF-8
    tracedIgnore: /\/gconv-modules(\.cache|\.d\/.*)?$/,
    roots: (ctx) => gconvRoots(ctx),
  },
  {
    set: 'locale', what: 'locale data named by the environment',
    config: (ctx) => localeNames(ctx).map((n) => `${n[0]}=${n[1]}`).join(' ') || undefined,
    roots: (ctx) => {
      const out: string[] = [];
      for (const [, name] of localeNames(ctx)) {
        const dir = join('/usr/lib/locale', normalizeLocale(name));
        if (ctx.fs.isDir(dir)) out.push(dir);
        else if (ctx.fs.isFile('/usr/lib/locale/locale-archive')) out.push('/usr/lib/locale/locale-archive');
      }
      return [...new Set(out)];
    },
  },
  {
    // fontconfig finds a font by a family name the program asks for at run time (Java's AWT
    // drawing text, a PDF or image renderer): its configuration and every font dir it lists
    set: 'fonts', what: 'fonts fontconfig finds by name, with its configuration',
    kept: (p, ctx) => (/\/libfontconfig\.so(\.[\d.]+)?$/.test(p) ? fontRoots(ctx) : undefined),
    roots: (ctx) => fontRoots(ctx),
  },
  {
    // one category of a locale read (Python's start reads C.utf8/LC_CTYPE): setlocale(LC_ALL, "")
    // under the same locale reads every category, and fails when one is missing
    set: 'locale', what: 'every category of a locale the run read',
    tracedUnder: () => ['/usr/lib/locale/'],
    tracedIgnore: /^\/usr\/lib\/locale\/(locale-archive$|[^/]*$)/,
    roots: (ctx) => [...new Set(ctx.traced.flatMap((p) => {
      const m = /^\/usr\/lib\/locale\/([^/]+)\//.exec(p);
      return m && ctx.fs.isDir(`/usr/lib/locale/${m[1]}`) ? [`/usr/lib/locale/${m[1]}`] : [];
    }))],
  },
  {
    set: 'jvm', what: 'JVM runtime data and lazily loaded libraries',
    kept: (p, ctx) => {
      const m = /^(.*?)(?:\/jre)?\/lib(?:\/[\w]+)?\/(?:server|client|zero)\/libjvm\.so$/.exec(p);
      if (!m) return undefined;
      const home = m[1]!;
      return existing(ctx.fs, [join(home, 'lib'), join(home, 'conf'), join(home, 'release'), join(home, 'jre/lib')]);
    },
    roots: () => [],
  },
  {
    set: 'python-encodings', what: "Python's codecs (looked up by name)",
    kept: (p, ctx) => {
      const m = /^(.*\/python3\.\d+)\/encodings\/__init__\.py$/.exec(p);
      if (!m) return undefined;
      const dynload = join(m[1]!, 'lib-dynload');
      return [join(m[1]!, 'encodings'), ...ctx.fs.glob(dynload, /^(_codecs_\w+|_multibytecodec)\..*so$/)];
    },
    roots: () => [],
  },
  {
    set: 'python-sysconfig', what: "Python's build configuration (sysconfig imports it by a computed name)",
    kept: (p, ctx) => {
      const m = /^(.*\/python3\.\d+)\/sysconfig\.py$/.exec(p);
      if (!m) return undefined;
      return [...ctx.fs.glob(m[1]!, /^_sysconfigdata_.*\.py$/), ...ctx.fs.glob(join(m[1]!, '__pycache__'), /^_sysconfigdata_.*\.pyc$/)];
    },
    roots: () => [],
  },
  {
    set: 'python-metadata', what: "the installed distribution's metadata (importlib.metadata finds it by the distribution's name)",
    // `importlib.metadata.version("flask")`, entry points and pkg_resources read the package's
    // *.dist-info / *.egg-info beside it, found by name, never by an import
    kept: (p, ctx) => {
      const m = /^(.*\/(?:site|dist)-packages)\/([A-Za-z_][\w]*)(?:\/|\.py$|\.[\w-]+\.so$)/.exec(p);
      return m ? distributionsOf(ctx.fs, m[1]!).get(m[2]!.toLowerCase()) : undefined;
    },
    roots: () => [],
  },
  {
    set: 'node-addons', what: "the package's compiled addons (loaded by a computed path: node-gyp-build, bindings, node-pre-gyp)",
    // `require(binary.find(...))`: which .node file is known only at run time, from the
    // platform and the package's own configuration; its code is kept, so are its addons
    kept: (p, ctx) => {
      if (!/\.[cm]?js$/.test(p) || !/\/(node_modules|nodejs)\//.test(p)) return undefined;
      const root = nodePackageRoot(ctx.fs, p);
      return root ? nodeAddons(ctx.fs, root) : undefined;
    },
    roots: () => [],
  },
  {
    set: 'ruby-encodings', what: "Ruby's encodings and transcoders (loaded by name)",
    kept: (p) => {
      const m = /^(.*\/enc)\/(?:encdb|trans\/transdb)\.so$/.exec(p);
      return m ? [m[1]!] : undefined;
    },
    roots: () => [],
  },
  {
    set: 'perl-encode', what: "Perl's Encode tables (loaded by name)",
    kept: (p, ctx) => {
      const m = /^(.*)\/Encode\.pm$/.exec(p);
      return m ? existing(ctx.fs, [join(m[1]!, 'Encode'), join(m[1]!, 'auto/Encode')]) : undefined;
    },
    roots: () => [],
  },
  {
    set: 'netdb', what: 'network databases read by libc on demand (services, protocols)',
    kept: (p, ctx) => (/\/libc\.so\.6$/.test(p) ? existing(ctx.fs, ['/etc/services', '/etc/protocols', '/etc/rpc', '/etc/host.conf', '/etc/gai.conf', '/etc/networks']) : undefined),
    roots: () => [],
  },
];

/**
 * The *.dist-info and *.egg-info of a packages directory, by the top-level names each installs:
 * its top_level.txt when it has one, else its RECORD's first path components, else its own
 * name (`Flask-2.2.2.dist-info` → flask).
 */
function distributionsOf(fs: Fs, root: string): Map<string, string[]> {
  return fs.memo('python-distributions', root, () => {
    const m = new Map<string, string[]>();
    for (const n of fs.list(root)) {
      const d = /^([A-Za-z0-9_.]+?)(?:-[^-]+)*\.(?:dist|egg)-info$/.exec(n);
      if (!d) continue;
      const meta = join(root, n);
      const tops = new Set<string>([d[1]!.toLowerCase().replace(/[-.]/g, '_')]);
      const top = fs.text(join(meta, 'top_level.txt'), 64 << 10);
      for (const t of top?.split('\n') ?? []) if (t.trim()) tops.add(t.trim().toLowerCase());
      if (top === undefined) {
        for (const line of (fs.text(join(meta, 'RECORD'), 1 << 20) ?? '').split('\n')) {
          const first = /^([A-Za-z_]\w*)(?:\/|\.py,)/.exec(line);
          if (first && !first[1]!.endsWith('.dist-info')) tops.add(first[1]!.toLowerCase());
        }
      }
      for (const t of tops) m.set(t, [...(m.get(t) ?? []), meta]);
    }
    return m;
  });
}

/** The nearest directory above a file, inside node_modules or a nodejs dir, that holds a package.json. */
function nodePackageRoot(fs: Fs, file: string): string | undefined {
  const start = file.slice(0, file.lastIndexOf('/'));
  return fs.memo('node-package-root', start, () => {
    for (let d = start; /\/(node_modules|nodejs)\/./.test(d); d = d.slice(0, d.lastIndexOf('/'))) {
      if (fs.isFile(join(d, 'package.json'))) return d;
    }
    return undefined;
  });
}

/** A package's `*.node` files, not those of the packages nested in its own node_modules (at most 2,000 entries looked at). */
function nodeAddons(fs: Fs, root: string): string[] {
  return fs.memo('node-addons', root, () => {
    const out: string[] = [];
    const stack = [root];
    let seen = 0;
    while (stack.length > 0 && seen < 2_000) {
      const d = stack.pop()!;
      for (const n of fs.list(d)) {
        if (++seen > 2_000) break;
        const p = join(d, n);
        if (n === 'node_modules' || fs.view.lstat(p)?.type === 'symlink') continue;
        const st = fs.stat(p);
        if (st?.type === 'dir') stack.push(p);
        else if (st?.type === 'file' && n.endsWith('.node')) out.push(p);
      }
    }
    return out;
  });
}

function localtimeTarget(ctx: DataSetContext): string | undefined {
  const r = resolvePath(ctx.fs.view, '/etc/localtime');
  return r.stat ? r.path : undefined;
}

function tzRoots(ctx: DataSetContext): string[] {
  return existing(ctx.fs, ['/usr/share/zoneinfo', '/etc/localtime', '/etc/timezone']);
}
function caRoots(ctx: DataSetContext): string[] {
  // Not /usr/lib/ssl/misc (OpenSSL's helper scripts are tools, not data), nor providers and
  // engines (loaded only when a configuration names them, and then the run read it).
  return existing(ctx.fs, ['/etc/ssl', '/usr/lib/ssl/certs', '/usr/lib/ssl/openssl.cnf', '/usr/lib/ssl/private', '/usr/lib/ssl/cert.pem',
    '/usr/share/ca-certificates', '/usr/local/share/ca-certificates', '/etc/ca-certificates', '/etc/ca-certificates.conf', '/etc/pki', '/etc/gnutls']);
}
function gconvRoots(ctx: DataSetContext): string[] {
  return existing(ctx.fs, [...arches(ctx.fs).map((a) => `/usr/lib/${a}/gconv`), '/usr/lib/gconv', '/usr/lib64/gconv']);
}

/** /etc/fonts, the font dirs its configuration lists (`<dir>/usr/share/fonts</dir>`), and fontconfig's cache. */
function fontRoots(ctx: DataSetContext): string[] {
  const confs = ['/etc/fonts/fonts.conf', ...ctx.fs.list('/etc/fonts/conf.d').filter((n) => n.endsWith('.conf')).map((n) => `/etc/fonts/conf.d/${n}`)];
  const dirs = new Set(['/usr/share/fonts', '/usr/local/share/fonts']);
  for (const c of confs) {
    for (const m of (ctx.fs.text(c) ?? '').matchAll(/<dir(?:\s[^>]*)?>\s*(\/[^<\s]+)\s*<\/dir>/g)) dirs.add(m[1]!.replace(/\/+$/, ''));
  }
  return existing(ctx.fs, ['/etc/fonts', ...dirs, '/var/cache/fontconfig']);
}

/** LANG, LC_ALL and LC_* values naming a locale other than C/POSIX. */
function localeNames(ctx: DataSetContext): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const kv of ctx.env) {
    const m = /^(LANG|LC_[A-Z]+)=(.+)$/.exec(kv);
    if (m && m[2] !== 'C' && m[2] !== 'POSIX') out.push([m[1]!, m[2]!]);
  }
  return out;
}

/** glibc's normalised codeset: "en_US.UTF-8" is found as "en_US.utf8". */
export function normalizeLocale(name: string): string {
  const m = /^([^.@]+)(?:\.([^@]+))?(@.+)?$/.exec(name);
  if (!m) return name;
  const codeset = m[2] ? '.' + m[2].toLowerCase().replace(/[^a-z0-9]/g, '') : '';
  return `${m[1]}${codeset}${m[3] ?? ''}`;
}

/**
 * The data sets the kept files need, with what triggered each; `done` names sets already
 * kept, so a fixpoint loop asks again only for new ones.
 */
export function dataSetsFor(kept: Iterable<string>, ctx: DataSetContext, done: ReadonlySet<string> = new Set()): DataSetNeed[] {
  const out: DataSetNeed[] = [];
  const seen = new Set<string>(); // set + root, so per-trigger sets (jvm homes) are each kept once
  const push = (r: Rule, trigger: string, roots: string[]) => {
    const fresh = roots.filter((x) => !done.has(`${r.set}:${x}`) && !seen.has(`${r.set}:${x}`));
    if (fresh.length === 0) return;
    fresh.forEach((x) => seen.add(`${r.set}:${x}`));
    out.push({ set: r.set, what: r.what, trigger, roots: fresh, ...(r.optional ? { optional: r.optional } : {}) });
  };
  for (const r of RULES) {
    const c = r.config?.(ctx);
    if (c) push(r, c, r.roots(ctx));
    const prefixes = r.tracedUnder?.(ctx) ?? [];
    const hit = prefixes.length ? ctx.traced.find((p) => prefixes.some((x) => p.startsWith(x)) && !r.tracedIgnore?.test(p)) : undefined;
    if (hit) push(r, hit, r.roots(ctx));
  }
  for (const p of kept) {
    for (const r of RULES) {
      if (!r.kept) continue;
      const roots = r.kept(p, ctx);
      if (roots && roots.length) push(r, p, roots);
    }
  }
  return out;
}

