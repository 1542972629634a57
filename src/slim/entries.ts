// The new layer's entries: every kept entry with its original metadata (mode, owner, mtime,
// xattrs such as security.capability, hardlinks) and its bytes read lazily from the image,
// plus host files from --exe.
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { FsEntry } from '../image/types.js';
import type { WriteEntry } from '../oci/types.js';
import type { KeepSet } from '../select/index.js';
import { checkExeHost, parseExe } from '../util/host-dest.js';

export type OpenContent = (entry: FsEntry) => Promise<Readable> | Readable;

function strip(e: FsEntry): WriteEntry {
  const { dataOffset: _d, layer: _l, content: _c, ...rest } = e;
  return { ...rest };
}

/** Kept entries as write entries. A hardlink whose target was not kept becomes a plain file. */
export function keptEntries(keep: KeepSet, open: OpenContent): WriteEntry[] {
  const out: WriteEntry[] = [];
  for (const [path, { entry }] of keep) {
    const w = strip(entry);
    w.path = path;
    if (entry.type === 'file') {
      w.open = () => open(entry);
    } else if (entry.type === 'hardlink') {
      if (!entry.linkname || !keep.has(entry.linkname)) {
        w.type = 'file';
        w.size = entry.content?.size ?? entry.size;
        delete w.linkname;
        w.open = () => open(entry);
      } else w.size = 0;
    }
    out.push(w);
  }
  return out;
}

/** Host files for --exe (src/util/host-dest.ts), owned by root, keeping the host's mode and mtime. */
export function exeEntries(specs: readonly string[]): WriteEntry[] {
  return specs.map((s) => {
    const exe = parseExe(s);
    const st = checkExeHost(exe);
    return {
      path: exe.dest, type: 'file', mode: st.mode & 0o7777, uid: 0, gid: 0,
      mtime: Math.floor(st.mtimeMs / 1000), size: st.size,
      open: () => createReadStream(exe.host),
    } satisfies WriteEntry;
  });
}

/**
 * Adds parent directories missing from `entries` (tars may omit them; --exe targets may be
 * new): root-owned 0755, so extractors do not invent them with odd modes.
 */
export function withParents(entries: WriteEntry[]): WriteEntry[] {
  const have = new Set(entries.map((e) => e.path));
  const out = [...entries];
  for (const e of entries) {
    for (let p = e.path; p !== '/'; ) {
      p = p.slice(0, p.lastIndexOf('/')) || '/';
      if (have.has(p)) break;
      have.add(p);
      out.push({ path: p, type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 0, size: 0 });
    }
  }
  return out;
}

/** Merges extra (--exe) entries over kept ones: an --exe target replaces a kept file. */
export function mergeEntries(kept: WriteEntry[], extra: WriteEntry[]): WriteEntry[] {
  const extraPaths = new Set(extra.map((e) => e.path));
  return withParents([...kept.filter((e) => !extraPaths.has(e.path)), ...extra]);
}
