// The merged ("stacked") filesystem as layers are applied one by one: one small node per
// path, metadata only, so memory stays bounded by the number of paths, not their bytes.
import type { EntryType, TarEntry } from '../image/types.js';
import { childPath, splitPath } from '../util/paths.js';

/** What xray keeps about one tar entry. */
export interface Meta {
  type: EntryType;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  linkname?: string;
  /** Layer index the entry comes from and where its bytes are in that layer's tar. */
  layer: number;
  dataOffset: number;
  capability?: Buffer;
}

export interface Node {
  name: string;
  parent: Node | undefined;
  children: Map<string, Node> | undefined;
  /** Undefined for directories no tar entry described (implied parents). */
  meta: Meta | undefined;
}

export function metaOf(e: TarEntry, layer: number): Meta {
  const m: Meta = { type: e.type, size: e.type === 'file' ? e.size : 0, mode: e.mode, uid: e.uid, gid: e.gid, layer, dataOffset: e.dataOffset };
  if (e.linkname !== undefined) m.linkname = e.linkname;
  const cap = e.xattrs?.['security.capability'];
  if (cap) m.capability = cap;
  return m;
}

export function isDirNode(n: Node): boolean {
  return n.meta === undefined ? true : n.meta.type === 'dir';
}

export class StackedTree {
  readonly root: Node = { name: '', parent: undefined, children: new Map(), meta: undefined };

  get(path: string): Node | undefined {
    let n: Node | undefined = this.root;
    for (const part of splitPath(path)) {
      n = n.children?.get(part);
      if (!n) return undefined;
    }
    return n;
  }

  /** Sets the entry at `path`, creating implied parents; a directory keeps its children. */
  set(path: string, meta: Meta): Node {
    const parts = splitPath(path);
    let n = this.root;
    for (let i = 0; i < parts.length; i++) {
      n.children ??= new Map();
      let c = n.children.get(parts[i]);
      if (!c) {
        c = { name: parts[i], parent: n, children: undefined, meta: undefined };
        n.children.set(parts[i], c);
      }
      n = c;
    }
    if (n !== this.root) {
      n.meta = meta;
      if (meta.type !== 'dir') n.children = undefined;
    }
    return n;
  }

  remove(n: Node): void {
    if (n.parent) n.parent.children?.delete(n.name);
  }

  static pathOf(n: Node): string {
    const parts: string[] = [];
    for (let c: Node | undefined = n; c && c.parent; c = c.parent) parts.push(c.name);
    return '/' + parts.reverse().join('/');
  }

  /** Every node below `n` (not `n` itself), depth first. */
  static *descendants(n: Node): Generator<Node> {
    if (!n.children) return;
    for (const c of n.children.values()) {
      yield c;
      yield* StackedTree.descendants(c);
    }
  }

  /** Every node with its path, parents before children, siblings sorted by name. */
  *walk(): Generator<[string, Node]> {
    const stack: [string, Node][] = [];
    const push = (dir: string, n: Node) => {
      if (!n.children) return;
      const names = [...n.children.keys()].sort().reverse();
      for (const name of names) stack.push([childPath(dir, name), n.children.get(name)!]);
    };
    push('/', this.root);
    while (stack.length) {
      const [p, n] = stack.pop()!;
      yield [p, n];
      push(p, n);
    }
  }

  /**
   * Resolves symlinks in every component (like the kernel would inside the container), so
   * "/bin/sh" finds "/usr/bin/dash" on merged-/usr systems. Undefined when dangling or looping.
   */
  resolve(path: string, followLast = true): { path: string; node: Node } | undefined {
    let hops = 0;
    let todo = splitPath(path);
    const done: Node[] = [this.root];
    while (todo.length) {
      const part = todo.shift()!;
      const cur = done[done.length - 1];
      if (part === '..') {
        if (done.length > 1) done.pop();
        continue;
      }
      const next = cur.children?.get(part);
      if (!next) return undefined;
      if (next.meta?.type === 'symlink' && (todo.length > 0 || followLast)) {
        if (++hops > 40) return undefined;
        const target = next.meta.linkname ?? '';
        if (target.startsWith('/')) done.length = 1;
        todo = [...splitPath(target), ...todo];
        continue;
      }
      done.push(next);
    }
    const node = done[done.length - 1];
    return { path: StackedTree.pathOf(node), node };
  }
}
