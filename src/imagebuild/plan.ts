// The new layer being planned: entries by image path, with a FileView over them so paths
// given by the user are resolved through symlinks already planned (e.g. "/lib" → "usr/lib"
// on merged-/usr hosts) instead of writing files under a symlink.
import { posix } from 'node:path';
import { resolvePath } from '../elf/index.js';
import type { FileView } from '../elf/index.js';
import { UserError } from '../util/errors.js';

export interface PlannedEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  mtime: number;
  size: number;
  linkname?: string;
  /** Host file whose bytes the entry carries. */
  source?: string;
  /** Why it is in the image; undefined for parent dirs made only to hold other entries. */
  reason?: string;
}

export class LayerPlan {
  private readonly entries = new Map<string, PlannedEntry>();

  constructor() {
    this.entries.set('/', { path: '/', type: 'dir', mode: 0o755, mtime: 0, size: 0 });
  }

  get(path: string): PlannedEntry | undefined {
    return this.entries.get(path);
  }

  all(): PlannedEntry[] {
    return [...this.entries.values()];
  }

  /** A view of the plan: lets resolvePath walk planned symlinks. */
  view(): FileView {
    return {
      lstat: (p) => {
        const e = this.entries.get(p);
        return e && { type: e.type, size: e.size, linkname: e.linkname, mode: e.mode, mtime: e.mtime };
      },
      read: () => Buffer.alloc(0),
    };
  }

  /** Where `dest` lands once planned symlinks in its parent dirs are followed. */
  place(dest: string): string {
    const norm = posix.normalize(dest);
    const parent = resolvePath(this.view(), posix.dirname(norm));
    if (parent.error === 'loop') throw new UserError(`${dest}: symlink loop in the image`);
    const parentEntry = this.entries.get(parent.path);
    if (parentEntry && parentEntry.type !== 'dir') throw new UserError(`${dest}: ${parent.path} is not a directory in the image`);
    return posix.join(parent.path, posix.basename(norm));
  }

  /**
   * Adds an entry at an already-real path (host mirrors) with its parent dirs. A second
   * entry at the same path must agree on type; files and links are replaced by the later one.
   */
  add(e: PlannedEntry): void {
    this.ensureDirs(posix.dirname(e.path));
    const old = this.entries.get(e.path);
    if (old) {
      if (old.type !== e.type && (old.type === 'dir' || e.type === 'dir')) {
        throw new UserError(`${e.path}: wanted as a ${e.type} (${e.reason ?? 'parent directory'}) but already a ${old.type} (${old.reason ?? 'parent directory'})`);
      }
      if (old.type === 'dir') {
        // Keep the first explicit dir's metadata, but remember a reason given later.
        if (!old.reason && e.reason) this.entries.set(e.path, e);
        return;
      }
      if (old.type === 'symlink' && e.type === 'symlink' && old.linkname === e.linkname) return;
    }
    this.entries.set(e.path, e);
  }

  private ensureDirs(dir: string): void {
    if (dir === '/' || this.entries.get(dir)?.type === 'dir') return;
    const e = this.entries.get(dir);
    if (e) throw new UserError(`${dir}: needed as a directory but already a ${e.type} (${e.reason ?? ''})`);
    this.ensureDirs(posix.dirname(dir));
    this.entries.set(dir, { path: dir, type: 'dir', mode: 0o755, mtime: 0, size: 0 });
  }
}
