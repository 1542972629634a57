// Puts layer entries in tar order: sorted by path (so parents precede children), with each
// hardlink moved after its target so extractors can link to an existing file.
import type { WriteEntry } from './types.js';

/** "/usr/bin/x" → "usr/bin/x"; dirs get a trailing "/"; the root dir is "./". */
export function tarName(path: string, isDir: boolean): string {
  const rel = path.replace(/^\/+/, '');
  if (rel === '') return './';
  return isDir ? `${rel}/` : rel;
}

function checkPath(p: string): void {
  if (!p.startsWith('/') || (p !== '/' && (p.endsWith('/') || p.split('/').slice(1).some((c) => c === '' || c === '.' || c === '..')))) {
    throw new Error(`writer: entry path "${p}" is not absolute and normalised`);
  }
  if (p.includes('\0')) throw new Error(`writer: entry path contains NUL: ${JSON.stringify(p)}`);
}

export function orderEntries(input: WriteEntry[]): WriteEntry[] {
  const byPath = new Map<string, WriteEntry>();
  for (const e of input) {
    checkPath(e.path);
    if (byPath.has(e.path)) throw new Error(`writer: duplicate entry ${e.path}`);
    byPath.set(e.path, e);
  }
  // Component-wise order ("/" sorts before any other character), as a directory walk gives:
  // parents come first and each subtree stays contiguous ("/a", "/a/x", "/a-b").
  const key = (p: string) => p.replaceAll('/', '\0');
  const sorted = [...byPath.values()]
    .map((e) => ({ e, k: key(e.path) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
    .map((x) => x.e);
  const out: WriteEntry[] = [];
  const emitted = new Set<string>();
  const waiting = new Map<string, WriteEntry[]>(); // target path → hardlinks waiting for it
  const emit = (e: WriteEntry): void => {
    out.push(e);
    emitted.add(e.path);
    const w = waiting.get(e.path);
    if (w) {
      waiting.delete(e.path);
      for (const l of w) emit(l);
    }
  };
  for (const e of sorted) {
    if (e.type !== 'hardlink') {
      emit(e);
      continue;
    }
    const target = e.linkname;
    if (!target) throw new Error(`writer: hardlink ${e.path} has no target`);
    const t = byPath.get(target);
    if (!t) throw new Error(`writer: hardlink ${e.path} → ${target}: target not in the layer`);
    let inode = t; // a link to a link shares the final target's inode
    for (let hops = 0; inode.type === 'hardlink'; hops++) {
      const next = byPath.get(inode.linkname ?? '');
      if (!next || hops > byPath.size) throw new Error(`writer: hardlink ${e.path} → ${target}: broken or cyclic link chain`);
      inode = next;
    }
    if (inode.type === 'dir') throw new Error(`writer: hardlink ${e.path} → ${target}: target is a directory`);
    // A hardlink shares its target's inode, and extractors apply the link header's owner and
    // mode to that inode: give the link the target's metadata so order cannot change them.
    const linked: WriteEntry = {
      ...e,
      mode: inode.mode, uid: inode.uid, gid: inode.gid, uname: inode.uname, gname: inode.gname, mtime: inode.mtime, xattrs: inode.xattrs,
    };
    if (emitted.has(target)) emit(linked);
    else waiting.set(target, [...(waiting.get(target) ?? []), linked]);
  }
  if (waiting.size) {
    const [t, ls] = [...waiting][0]!;
    throw new Error(`writer: hardlink cycle: ${ls[0]!.path} → ${t}`);
  }
  return out;
}
