// The selector's inputs and output: what to keep of an image, and why.
import type { FsEntry, FsIndex, ImageConfig } from '../image/types.js';
import type { ElfInfo } from '../elf/index.js';

export interface FileFacts {
  /** What the loader needs to find what the file depends on (src/elf's parse of its header). */
  elf?: ElfInfo;
  shebang?: { interpreter: string; arg?: string };
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
}

export type ReasonKind =
  | 'traced'
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
  | 'entrypoint';

export interface Reason {
  kind: ReasonKind;
  /** The path this one is kept for (the traced path, the dependent binary, the child...). */
  of?: string;
  /** Extra words: traced operation ("open", "stat (ENOENT)"), the glob, the user... */
  detail?: string;
}

export interface KeepEntry {
  entry: FsEntry;
  reasons: Reason[];
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
}

export interface SelectInput {
  index: FsIndex;
  trace: Iterable<TraceLike>;
  facts: (path: string) => FileFacts | undefined;
  config: ImageConfig;
  options?: SelectOptions;
}
