// An in-memory FileView for tests: files, dirs (implied by paths) and symlinks.
import { posix } from 'node:path';
import type { FileView } from '../../src/elf/index.js';

export type MemNode = Buffer | string | { link: string };

export function memView(tree: Record<string, MemNode>): FileView {
  const nodes = new Map<string, { type: 'file'; data: Buffer } | { type: 'symlink'; link: string } | { type: 'dir' }>();
  nodes.set('/', { type: 'dir' });
  for (const [p, n] of Object.entries(tree)) {
    for (let d = posix.dirname(p); d !== '/'; d = posix.dirname(d)) if (!nodes.has(d)) nodes.set(d, { type: 'dir' });
    if (typeof n === 'string' || Buffer.isBuffer(n)) nodes.set(p, { type: 'file', data: Buffer.from(n) });
    else nodes.set(p, { type: 'symlink', link: n.link });
  }
  return {
    lstat(p) {
      const n = nodes.get(p);
      if (!n) return undefined;
      if (n.type === 'file') return { type: 'file', size: n.data.length, mode: 0o755 };
      if (n.type === 'symlink') return { type: 'symlink', size: 0, linkname: n.link };
      return { type: 'dir', size: 0 };
    },
    read(p, offset, length) {
      const n = nodes.get(p);
      if (!n || n.type !== 'file') throw new Error(`ENOENT ${p}`);
      return n.data.subarray(offset, offset + length);
    },
    listDir(p) {
      const pre = p === '/' ? '/' : `${p}/`;
      return [...nodes.keys()].filter((k) => k !== p && k.startsWith(pre) && !k.slice(pre.length).includes('/')).map((k) => k.slice(pre.length));
    },
  };
}
