// A package database as the slim image keeps it: what was installed, which files each package
// owns, and the database files rewritten to list only what remains.

/** One installed package, as its database records it. */
export interface InstalledPackage {
  /** Which database: its format decides the purl type. */
  db: 'dpkg' | 'apk';
  name: string;
  version: string;
  architecture?: string;
  /** The source package (dpkg's `Source:`, apk's `o:`), when it differs from the name. */
  source?: string;
  /** Paths the package owns, as the database lists them (directories included). */
  files: string[];
  /** False when the database names no files for it (old distroless status.d): kept whole. */
  filesKnown: boolean;
}

/** A package of the slim image: how many of its (non-directory) files remain. */
export interface KeptPackage extends InstalledPackage {
  /** Non-directory files the original image holds of it. */
  filesBefore: number;
  /** Of those, how many the slim image keeps. */
  filesKept: number;
}

/** A database file of the slim image with new content, and why. */
export interface RewrittenFile {
  path: string;
  content: Buffer;
  /** "package inventory trimmed to kept files" */
  reason: string;
}

/** What the slim image's package database holds, and what it lost. */
export interface TrimmedInventory {
  db: 'dpkg' | 'apk';
  /** The distribution, from /etc/os-release (purls name it): `debian`, `12`. */
  distro?: { id: string; versionId?: string };
  before: number;
  kept: KeptPackage[];
  /** Installed packages none of whose files remain, by name. */
  removed: Array<{ name: string; version: string }>;
  /** The database's new files: the pipeline writes them over the originals. */
  files: RewrittenFile[];
  /** Original database files left out because nothing of what they describe remains. */
  dropped: string[];
}

export const TRIM_REASON = 'package inventory trimmed to kept files';
