// The new layer: host dependencies at their host paths (minus what a base image already has
// where the loader looks), then the executables and --path files at their destinations.
import { accessSync, constants, createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { hostView, resolvePath } from '../elf/index.js';
import type { FileView } from '../elf/index.js';
import type { FsIndex } from '../image/types.js';
import type { WriteEntry } from '../oci/types.js';
import { UserError } from '../util/errors.js';
import type { Closure, HostFile } from './closure.js';
import { addHostPath } from './paths.js';
import { LayerPlan } from './plan.js';
import type { PlannedEntry } from './plan.js';

export interface LayerInput {
  exes: Array<{ host: string; dest: string; c: Closure }>;
  /** --path specs. */
  paths: string[];
  base?: FsIndex;
  /** What the executables refer to (references.ts), beyond their ELF closures. */
  referenced?: HostFile[];
  /** Files made for the image (the user database), unless --path or the base already has the path. */
  generated?: Array<{ path: string; content: Buffer; mode: number; reason: string }>;
}

export interface PlannedLayer {
  entries: PlannedEntry[];
  /** Where each --exe landed, in order. */
  exeDests: string[];
  binPath: string[];
  libraryPath: string[];
}

export function planLayer(k: LayerInput): PlannedLayer {
  const view = hostView();
  const plan = new LayerPlan(k.base);
  const baseView = k.base && plan.view();
  const inBase = (lookup: string) => baseView !== undefined && resolvePath(baseView, lookup).stat?.type === 'file';

  // Host dependencies first, so destinations resolve through the links they bring (/lib → usr/lib).
  const libraryPath: string[] = [];
  const binPath: string[] = [];
  const skip = new Map<string, boolean>();
  const mirror = (files: HostFile[]) => {
    for (const f of files) {
      if (f.dest || f.path === '/') continue;
      if (!skip.has(f.lookup)) skip.set(f.lookup, inBase(f.lookup));
      if (!skip.get(f.lookup)) plan.add(mirrorEntry(view, f.path, f.type, f.reason));
    }
  };
  for (const { c } of k.exes) {
    mirror(c.files);
    for (const d of c.libraryPath) if (!libraryPath.includes(d)) libraryPath.push(d);
    for (const d of c.binPath) if (!binPath.includes(d)) binPath.push(d);
  }
  // The made user database, not the host's whole one, even where a script names /etc/passwd.
  const made = new Set((k.generated ?? []).map((g) => g.path));
  mirror((k.referenced ?? []).filter((f) => !made.has(f.path)));
  const exeDests: string[] = [];
  for (const { c, dest, host } of k.exes) {
    const st = view.lstat(c.real)!;
    const placed = plan.place(dest);
    exeDests.push(placed);
    plan.add({ path: placed, type: 'file', mode: st.mode ?? 0o755, mtime: st.mtime ?? 0, size: st.size, source: c.real, reason: `--exe ${host}` });
    for (const f of c.files) {
      if (!f.dest) continue;
      const s = view.lstat(f.path)!;
      plan.add({ path: f.dest, type: 'file', mode: s.mode ?? 0o644, mtime: s.mtime ?? 0, size: s.size, source: f.path, reason: f.reason });
    }
  }
  // The executables' own files found by reference, moved with them.
  for (const f of k.referenced ?? []) if (f.dest) plan.add({ ...mirrorEntry(view, f.path, f.type, f.reason), path: f.dest });
  for (const p of k.paths) addHostPath(plan, p);
  for (const g of k.generated ?? []) {
    if (plan.view().lstat(plan.place(g.path))) continue;
    plan.add({ path: g.path, type: 'file', mode: g.mode, mtime: 0, size: g.content.length, content: g.content, reason: g.reason });
  }
  return { entries: plan.all(), exeDests, binPath, libraryPath };
}

/** Writer entries: owner root unless copied from a base dir; content read lazily from the host. */
export function writeEntries(planned: PlannedEntry[]): WriteEntry[] {
  return planned.map((e) => {
    const w: WriteEntry = { path: e.path, type: e.type, mode: e.mode, uid: e.uid ?? 0, gid: e.gid ?? 0, mtime: e.mtime, size: e.type === 'file' ? e.size : 0 };
    if (e.uname !== undefined) w.uname = e.uname;
    if (e.gname !== undefined) w.gname = e.gname;
    if (e.linkname !== undefined) w.linkname = e.linkname;
    const src = e.source;
    const content = e.content;
    // Exactly `size` bytes, as stat'ed when planning.
    if (content) w.open = () => Readable.from([content]);
    else if (src && e.size > 0) w.open = () => createReadStream(src, { start: 0, end: e.size - 1 });
    return w;
  });
}

function mirrorEntry(view: FileView, path: string, type: HostFile['type'], reason: string): PlannedEntry {
  const st = view.lstat(path);
  if (!st) throw new UserError(`${path}: vanished while reading`);
  if (type === 'dir') return { path, type, mode: st.mode ?? 0o755, mtime: st.mtime ?? 0, size: 0, reason };
  if (type === 'symlink') return { path, type, mode: 0o777, mtime: st.mtime ?? 0, size: 0, linkname: st.linkname, reason };
  // checked now: a file found unreadable while writing would fail the build halfway
  try {
    accessSync(path, constants.R_OK);
  } catch (err) {
    throw new UserError(`${path} (${reason}): cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return { path, type, mode: st.mode ?? 0o644, mtime: st.mtime ?? 0, size: st.size, source: path, reason };
}
