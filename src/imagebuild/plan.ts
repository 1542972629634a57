// The new layer being planned: entries by image path, with a FileView over them (and over the
// base image, if any) so destinations resolve through symlinks already there (e.g. "/lib" →
// "usr/lib") instead of writing files under a symlink or replacing a base directory.
import { posix } from 'node:path';
import { resolvePath } from '../elf/index.js';
import type { FileStat, FileView } from '../elf/index.js';
import type { FsEntry, FsIndex } from '../image/types.js';
import { UserError } from '../util/errors.js';

export interface PlannedEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  mtime: number;
  size: number;
  linkname?: string;
  /** Owner, when copied from a base image's directory; root otherwise. */
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  /** Host file whose bytes the entry carries. */
  source?: string;
  /** Or the bytes themselves (a file made for the image). */
  content?: Buffer;
  /** Why it is in the image; undefined for parent dirs made only to hold other entries. */
  reason?: string;
}

export class LayerPlan {
  private readonly entries = new Map<string, PlannedEntry>();

  constructor(private readonly base?: FsIndex) {
    if (!base) this.entries.set('/', { path: '/', type: 'dir', mode: 0o755, mtime: 0, size: 0 });
  }

  all(): PlannedEntry[] {
    return [...this.entries.values()];
  }

  /** A view of the plan over the base: lets resolvePath walk planned and base symlinks. */
  view(): FileView {
    return {
      lstat: (p) => {
        const e = this.entries.get(p);
        if (e) return { type: e.type, size: e.size, linkname: e.linkname, mode: e.mode, mtime: e.mtime };
        const b = this.base?.get(p);
        if (b) return baseStat(b);
        return p === '/' ? { type: 'dir', size: 0 } : undefined;
      },
      read: () => Buffer.alloc(0),
    };
  }

  /** Where `dest` lands once symlinks in its parent dirs (planned or in the base) are followed. */
  place(dest: string): string {
    const norm = posix.normalize(dest);
    if (norm === '/') return '/';
    const parent = resolvePath(this.view(), posix.dirname(norm));
    if (parent.error === 'loop') throw new UserError(`${dest}: symlink loop in the image`);
    if (parent.error === 'notdir' || (parent.stat && parent.stat.type !== 'dir')) throw new UserError(`${dest}: a parent is not a directory in the image`);
    return posix.join(parent.path, posix.basename(norm));
  }

  /**
   * Adds an entry at `e.path` after placing it. A base image's directories and symlinks win
   * over symlinks wanted at the same path (replacing them would hide or redirect the base's
   * files). A path planned twice must be the same dir, link or host file both times.
   */
  add(wanted: PlannedEntry): void {
    const e = { ...wanted, path: this.place(wanted.path) };
    const b = this.base?.get(e.path);
    if (b && e.type === 'symlink') return;
    if (b && b.type === 'dir' && e.type === 'file') throw new UserError(`${e.path}: wanted as a file (${e.reason}) but the base image has a directory there`);
    this.ensureDirs(posix.dirname(e.path));
    const old = this.entries.get(e.path);
    if (old) {
      if (old.type !== e.type && (old.type === 'dir' || e.type === 'dir')) {
        throw new UserError(`${e.path}: wanted as a ${e.type} (${e.reason ?? 'parent directory'}) but already a ${old.type} (${old.reason ?? 'parent directory'})`);
      }
      if (old.type === 'dir') {
        if (!old.reason && e.reason) this.entries.set(e.path, e); // an explicit dir's metadata wins
        return;
      }
      if (old.type === 'symlink' && e.type === 'symlink' && old.linkname === e.linkname) return;
      if (old.type === 'file' && e.type === 'file' && old.source === e.source) return;
      // Two different things wanted at one path: silently keeping either would surprise.
      throw new UserError(`${e.path}: wanted twice, by ${old.reason ?? 'a parent directory'} and by ${e.reason ?? 'a parent directory'}`);
    }
    this.entries.set(e.path, e);
  }

  private ensureDirs(dir: string): void {
    const e = this.entries.get(dir);
    if (e?.type === 'dir') return;
    if (e) throw new UserError(`${dir}: needed as a directory but already a ${e.type} (${e.reason ?? ''})`);
    if (dir !== '/') this.ensureDirs(posix.dirname(dir));
    const b = this.base?.get(dir);
    if (b && b.type !== 'dir') throw new UserError(`${dir}: needed as a directory but the base image has a ${b.type} there`);
    // A dir the base has keeps its owner and mode (e.g. /tmp 1777); new ones are 0755 root.
    this.entries.set(dir, b
      ? { path: dir, type: 'dir', mode: b.mode, mtime: b.mtime, size: 0, uid: b.uid, gid: b.gid, uname: b.uname, gname: b.gname }
      : { path: dir, type: 'dir', mode: 0o755, mtime: 0, size: 0 });
  }
}

function baseStat(b: FsEntry): FileStat {
  if (b.type === 'dir') return { type: 'dir', size: 0, mode: b.mode, mtime: b.mtime };
  if (b.type === 'symlink') return { type: 'symlink', size: 0, linkname: b.linkname ?? '', mode: b.mode, mtime: b.mtime };
  if (b.type === 'file' || b.type === 'hardlink') return { type: 'file', size: b.content?.size ?? b.size, mode: b.mode, mtime: b.mtime };
  return { type: 'other', size: 0, mode: b.mode, mtime: b.mtime };
}
