// select tells its reader ahead what it will read, a generation at a time: a reader with a
// round trip per read (the engine's) then waits once per generation of the closure and of the
// references, not once per file. Without Docker: a hand-made index, a reader that counts.
import { describe, expect, it } from 'vitest';
import { formatReason, select } from '../../src/select/index.js';
import type { FileFacts, Selection, SelectInput, TraceLike } from '../../src/select/index.js';
import { indexView, parseShebang } from '../../src/elf/index.js';
import { refsOf } from '../../src/refs/index.js';
import { memIndex, memRead, type Spec } from './memindex.js';

const DEPTH = 6;
const BREADTH = 40;
const PY = '/usr/lib/python3.11';

/** A package tree DEPTH levels deep, BREADTH modules a level, each importing every module of the next level (one in a function). */
function tree(): Spec[] {
  const specs: Spec[] = [{ path: '/usr/bin/python3.11', mode: 0o755 }, { path: '/srv/app/main.py', content: Array.from({ length: BREADTH }, (_, j) => `import m0_${j}\n`).join('') }];
  for (let d = 0; d < DEPTH; d++) {
    for (let j = 0; j < BREADTH; j++) {
      const next = d + 1 < DEPTH ? Array.from({ length: BREADTH }, (_, k) => (k % 2 ? `import m${d + 1}_${k}\n` : `def f${k}():\n    import m${d + 1}_${k}\n`)).join('') : '';
      specs.push({ path: `${PY}/m${d}_${j}.py`, content: next });
    }
  }
  return specs;
}

interface Counted {
  selection: Selection;
  /** Batches announced (prefetch calls), and the files announced. */
  batches: number;
  announced: Set<string>;
  /** Files read (facts or refs) before any batch announced them. */
  unannounced: string[];
  reads: number;
}

function run(withPrefetch: boolean): Counted {
  const index = memIndex(tree());
  const read = memRead(index);
  const view = indexView(index, read);
  const announced = new Set<string>();
  const unannounced: string[] = [];
  let batches = 0;
  let reads = 0;
  const note = (p: string) => {
    reads++;
    if (withPrefetch && index.get(p)?.type === 'file' && !announced.has(p)) unannounced.push(p);
  };
  const facts = (p: string): FileFacts | undefined => {
    note(p);
    const e = index.get(p);
    if (!e || e.type !== 'file') return undefined;
    const sb = parseShebang(read(e, 0, 256));
    return sb ? { shebang: sb } : {};
  };
  const input: SelectInput = {
    index, read, facts,
    trace: [{ syscall: 'execve', intent: 'x', result: '0', path: '/usr/bin/python3.11' }, { syscall: 'openat', intent: 'r', result: '0', path: '/srv/app/main.py' }] satisfies TraceLike[],
    refs: (p, hints) => {
      note(p);
      return refsOf(view, p, index.get(p)!.size, hints);
    },
    config: { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: { Env: ['PATH=/usr/bin'] } },
    ...(withPrefetch ? {
      prefetch: (paths: string[]) => {
        batches++;
        for (const p of paths) announced.add(p);
      },
    } : {}),
  };
  return { selection: select(input), batches, announced, unannounced, reads };
}

const summary = (s: Selection) => [...s.keep].map(([p, k]) => `${p} ${k.reasons.map(formatReason).sort().join('; ')}`).sort();

describe('select asks its reader ahead, a generation at a time', () => {
  const batched = run(true);
  const plain = run(false);

  it('keeps the same entries for the same reasons with or without a reader that fetches ahead', () => {
    // every module of every level is kept (imports inside functions count)
    for (let d = 0; d < DEPTH; d++) for (let j = 0; j < BREADTH; j++) expect(batched.selection.keep.has(`${PY}/m${d}_${j}.py`)).toBe(true);
    expect(summary(batched.selection)).toEqual(summary(plain.selection));
  });

  it('reads no file it did not announce first, in O(depth) batches for DEPTH × BREADTH files', () => {
    const files = DEPTH * BREADTH;
    expect(batched.reads).toBeGreaterThan(files);
    expect(batched.unannounced).toEqual([]);
    // a closure and a references batch per level, and a few for the trace's own files
    expect(batched.batches).toBeLessThanOrEqual(2 * (DEPTH + 3));
    expect(batched.batches).toBeLessThan(files / 10);
  });
});
