// The app's stores: directories of state the image ships for the app (a database's data
// directory, a git repository, a key ring, a VOLUME's seed). The app finds their files by
// names it reads from other files (table files by OID, objects by hash, keys by keygrip), so
// the files one run touched are never all the files another run needs: a store is kept whole.
//
// A directory is a store when
//   - the run wrote in it (created, changed or removed a file there: the app keeps state
//     there; postgres writes postmaster.pid at the top of its data directory, gpg a lock
//     beside its key ring),
//   - the image's config names it (an Entrypoint/Cmd argument, `-D /var/lib/pgdata`,
//     `--data=/srv/data`, or an Env value, `PGDATA=…`, `GNUPGHOME=…`) and it holds data, not
//     programs (`JAVA_HOME` names a runtime, whose code is found file by file),
//   - it is a VOLUME (the image's content there seeds the volume), or the home of the image's
//     USER (from /etc/passwd: the app runs there as that user, other runs too),
//   - or it is a version-control repository's own directory the run read in (`.git`: objects
//     found by hashes read from other objects), wherever it is (the app directory leaves it out).
// Never the system's own trees (programs and libraries, scratch, caches, logs) nor a top-level
// directory itself: only a directory specific to the app.
import { normalize } from '../util/paths.js';

export interface StoreEvent {
  path: string;
  /** The trace's intent: r read, w write, x exec, s stat, d chdir. */
  intent: string;
  ok: boolean;
}

export interface StoreInput {
  events: readonly StoreEvent[];
  entrypoint: readonly string[];
  cmd: readonly string[];
  env: readonly string[];
  volumes: readonly string[];
  /** The home directory of the image's USER, from /etc/passwd. */
  home?: string;
  isDir(path: string): boolean;
}

export interface Store {
  dir: string;
  /** Why it is a store ("the run wrote /var/lib/pgdata/postmaster.pid", "Cmd argument -D /var/lib/pgdata"). */
  why: string;
  /** Only when it holds data, not programs (the config's paths: they may name a runtime). */
  dataOnly: boolean;
}

/** Trees of the system: what is there is found by its own rules (the closure, references, data sets). */
const SYSTEM = /^\/(usr|lib|lib32|lib64|libx32|bin|sbin|boot|proc|sys|dev|run|tmp|var\/tmp|var\/run|var\/lock|var\/cache|var\/log|var\/lib\/(dpkg|apt|ucf|pam|systemd|misc))(\/|$)/;
/** Top-level directories of the filesystem standard: never a store themselves. */
const TOP = /^\/(etc|home|media|mnt|opt|root|srv|var|var\/lib|var\/spool|var\/www|var\/mail|var\/backups|var\/opt|var\/local|usr\/local|usr\/src)?$/;
/** Caches no run needs the image's copy of. */
const CACHE = /\/(__pycache__|\.cache|\.npm|\.yarn-cache|\.pnpm-store)(\/|$)/;
/**
 * What a store's subtree leaves out: caches, and installed dependencies (a home holding an
 * app's node_modules), whose code is found file by file.
 */
export const STORE_SKIP = /\/(node_modules|__pycache__|\.cache|\.npm|\.yarn-cache|\.pnpm-store)$/;
/** A version-control repository's own directory, and the path to it. */
const VCS = /^(.*?\/\.(?:git|hg|svn))(?:\/|$)/;

/** Whether `dir` may be a store: a directory specific to the app, not the system's. */
export function storeCandidate(dir: string): boolean {
  const d = normalize(dir);
  return !SYSTEM.test(d) && !TOP.test(d) && !CACHE.test(d);
}

export function appStores(input: StoreInput): Store[] {
  const out = new Map<string, Store>();
  const add = (dir: string, why: string, dataOnly: boolean) => {
    const d = normalize(dir);
    if (!storeCandidate(d) || !input.isDir(d)) return;
    const prev = out.get(d);
    if (!prev) out.set(d, { dir: d, why, dataOnly });
    else if (prev.dataOnly && !dataOnly) out.set(d, { dir: d, why, dataOnly }); // the run's own writes win
  };
  for (const ev of input.events) {
    if (ev.intent !== 'w' || !ev.path.startsWith('/')) continue;
    const dir = nearestDir(normalize(ev.path), input.isDir);
    if (dir) add(dir, `the run wrote ${normalize(ev.path)}`, false);
  }
  for (const [why, path] of configPaths(input.entrypoint, input.cmd, input.env)) add(path, why, true);
  for (const v of input.volumes) add(v, `VOLUME ${v}`, false);
  if (input.home) add(input.home, `the home of the image's USER`, false);
  // a repository the run read in
  for (const ev of input.events) {
    const repo = ev.ok ? VCS.exec(normalize(ev.path))?.[1] : undefined;
    if (repo && !out.has(repo)) add(repo, `the run read the repository ${repo}`, false);
  }
  return [...out.values()];
}

/**
 * The absolute paths the image's config names, with where: an Entrypoint/Cmd argument or an
 * option's value (`-D /var/lib/pgdata`, `--data=/srv/data`), an Env value that is one path.
 */
export function configPaths(entrypoint: readonly string[], cmd: readonly string[], env: readonly string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [where, words] of [['Entrypoint', entrypoint], ['Cmd', cmd]] as const) {
    words.forEach((w, i) => {
      const path = pathOfArg(w);
      if (path) out.push([`${where} argument ${i > 0 && words[i - 1]!.startsWith('-') && !words[i - 1]!.includes('=') ? `${words[i - 1]} ` : ''}${w}`, path]);
    });
  }
  for (const kv of env) {
    const eq = kv.indexOf('=');
    const value = kv.slice(eq + 1);
    if (eq > 0 && value.startsWith('/') && !value.includes(':')) out.push([`Env ${kv}`, value]);
  }
  return out;
}

/** `path` itself when it is a directory, else the nearest directory above it that exists. */
function nearestDir(path: string, isDir: (p: string) => boolean): string | undefined {
  for (let p = path; p !== '/' && p !== ''; p = p.slice(0, p.lastIndexOf('/')) || '/') {
    if (isDir(p)) return p;
  }
  return undefined;
}

/** The absolute path an argument names: the word itself, or an option's value (`--data=/srv`). */
function pathOfArg(word: string): string | undefined {
  const value = /^--?[\w-]+=/.test(word) ? word.slice(word.indexOf('=') + 1) : word;
  return value.startsWith('/') && !/[\s:*?]/.test(value) ? value : undefined;
}

/** The home directory /etc/passwd gives `user` (a name or a uid; `name:group` too). */
export function homeOf(passwd: string, user: string): string | undefined {
  const who = user.split(':')[0]!;
  if (who === '' || who === 'root' || who === '0') return undefined;
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f.length >= 7 && (f[0] === who || f[2] === who)) return f[5]!.startsWith('/') ? f[5] : undefined;
  }
  return undefined;
}
