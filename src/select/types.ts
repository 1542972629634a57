// The selector's inputs and output: what to keep of an image, and why.
import type { FsEntry, FsIndex, ImageConfig } from '../image/types.js';
import type { ElfInfo, ElfStrings } from '../elf/index.js';
import type { Lang, RawRef, RefReasonKind } from '../refs/index.js';

export interface FileFacts {
  /** What the loader needs to find what the file depends on (src/elf's parse of its header). */
  elf?: ElfInfo;
  shebang?: { interpreter: string; arg?: string };
  /**
   * The string literals of an ELF file's read-only data (src/elf/strings.ts): paths always,
   * whole strings when it imports exec or dlopen calls. Read when first asked, so only for
   * kept ELF files (and not at all with references off).
   */
  readonly strings?: ElfStrings;
}

/** The part of a trace event the selector reads (src/trace's events fit it). */
export interface TraceLike {
  syscall: string;
  /** r read, w write, x exec, s stat-only, d chdir. */
  intent: string;
  /** '0' or an errno name; a number 0 also counts as success. */
  result: string | number;
  path: string;
  path2?: string;
  /** The thread that made the call: with its exec, what program opened a file (a file an interpreter reads is its code). */
  pid?: number;
}

export type ReasonKind =
  | 'traced'
  // touched in a run of `slimts instrument`'s image (build --observations)
  | 'observed'
  | 'on-path'
  | 'symlink-on-path'
  | 'symlink-target'
  | 'parent'
  | 'elf-interpreter'
  | 'elf-needed'
  | 'ld-cache'
  | 'shebang'
  | 'hardlink'
  | 'user-db'
  | 'nsswitch'
  | 'include-path'
  | 'include-bin'
  | 'include-exe'
  | 'include-shell'
  | 'workdir'
  | 'volume'
  | 'entrypoint'
  | 'scratch-dir'
  // kept because kept code or kept programs refer to it (src/refs), not because the run touched
  // it: one kind per mechanism (src/refs/policy.ts: import, command, sourced, named, unit, library)
  | RefReasonKind
  | 'data-set'
  | 'app-dir'
  // a directory of the app's state kept whole: it wrote there, its config names it, a VOLUME (src/select/stores.ts)
  | 'app-state'
  // a file the image's config names (an Env value, an Entrypoint/Cmd argument)
  | 'config-file'
  // a dot file or ~/.config in the home of the app's user
  | 'home-config'
  // the slim image's package database, rewritten to list only what remains, and the files scanners read with it (src/pkgdb)
  | 'package-db'
  // named by a string in a kept ELF file's read-only data (src/refs/binary.ts): a path that
  // exists, a program on PATH it can start, a library it can dlopen
  | 'binary-path'
  | 'binary-program'
  | 'binary-library'
  // a sibling of a file the run chose by a key computed at run time (src/refs/families.ts)
  | 'family';

export interface Reason {
  kind: ReasonKind;
  /** The path this one is kept for (the traced path, the dependent binary, the child...). */
  of?: string;
  /** Extra words: traced operation ("open", "stat (ENOENT)"), the glob, the user, the module... */
  detail?: string;
  /** For references: the line of `of` that names this path. */
  line?: number;
}

export interface KeepEntry {
  entry: FsEntry;
  reasons: Reason[];
  /**
   * Set when the entry was first kept by following references (what kept code imports, runs,
   * sources or names; the data sets kept programs read on demand), not by the trace, the
   * config or the include options.
   */
  byReference?: boolean;
}

/** A reference that named nothing in the image (reported; the build goes on). */
export interface Unresolved {
  /** The file that refers. */
  from: string;
  line: number;
  lang: string;
  kind: string;
  name: string;
  why: string;
}

/** A system data set kept whole, and why. */
export interface KeptDataSet {
  set: string;
  what: string;
  trigger: string;
  roots: string[];
}

/** A module the program loads when present and runs without (slower, or with less): kept unless --drop-optional. */
export interface OptionalModule {
  path: string;
  /** What it is and what goes without it. */
  what: string;
  bytes: number;
  dropped: boolean;
}

/** A data family kept (or cut by its bound), with the read file that made it one. */
export interface KeptFamily {
  pattern: string;
  trigger: string;
  evidence: string;
  files: number;
  bytes: number;
  /** Larger than --family-limit: not kept. */
  cut?: boolean;
}

export interface Selection {
  keep: KeepSet;
  unresolved: Unresolved[];
  dataSets: KeptDataSet[];
  /** Optional modules met while keeping data sets (with what they are), kept or dropped. */
  optional?: OptionalModule[];
  families?: KeptFamily[];
}

/** Kept paths of the image, each with at least one reason. */
export type KeepSet = Map<string, KeepEntry>;

export interface SelectOptions {
  /** Globs over image paths (`**`, `*`, `?`); a matching directory brings its subtree. */
  includePaths?: string[];
  /** Paths of binaries to keep with their interpreter and libraries. */
  includeBins?: string[];
  /** Executable names looked up on the image's PATH, kept with their libraries. */
  includeExes?: string[];
  /** Keep /bin/sh (through its links) and what it needs. */
  includeShell?: boolean;
  /** Globs removed last; a directory still holding kept entries stays. */
  excludes?: string[];
  /** Library dirs from the image's /etc/ld.so.conf(.d), in order (the pipeline reads them). */
  ldLibraryDirs?: string[];
  /**
   * Follow references (default on when `refs` is given): what kept code imports, runs, sources
   * and names, the app's own directory, and the data sets kept programs read on demand.
   */
  references?: boolean;
  /** Leave out the optional modules references reach (a JIT provider...): the program runs without them. */
  dropOptional?: boolean;
  /** A directory kept whole because a kept ELF file names it holds at most this many bytes (default 32 MB). */
  binaryDirLimit?: number;
  /** A data family is kept up to this many bytes (default 64 MB). */
  familyLimit?: number;
}

export interface SelectInput {
  index: FsIndex;
  trace: Iterable<TraceLike>;
  facts: (path: string) => FileFacts | undefined;
  config: ImageConfig;
  options?: SelectOptions;
  /** The references of a kept file of code (src/refs), or undefined when it is not code. */
  refs?: (path: string, hints: { openedBy?: Lang; readByRun?: boolean }) => RawRef[] | undefined;
  /** Bytes of a file entry, for the few small files resolution reads (package.json, .pth). */
  read?: (entry: FsEntry, offset: number, length: number) => Buffer;
  /**
   * A hint that `refs` and `facts` are about to be asked for these paths (a reader may fetch
   * them in one batch). `followed`: they are kept and followed next (an ELF file's strings are
   * read), in the order given.
   */
  prefetch?: (paths: string[], followed?: boolean) => void;
}
