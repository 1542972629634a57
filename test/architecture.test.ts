// The floors of ARCHITECTURE.md, checked on the sources: a folder of src/ imports only folders
// on lower floors, and no TypeScript files import each other in a circle. The floor order is
// read from ARCHITECTURE.md itself, so the document and the check cannot drift apart.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const SRC = join(ROOT, 'src');

/** The floors, top first: the lines of the ```floors block, each a list of folder names. */
function floorsOf(markdown: string): string[][] {
  const m = /```floors\n([\s\S]*?)```/.exec(markdown);
  if (!m) throw new Error('ARCHITECTURE.md has no ```floors block');
  return m[1]!.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean).map((l) => l.split(/\s+/));
}

function sourceFiles(dir: string, ext = /\.tsx?$/): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (n === 'node_modules') continue;
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p, ext));
    else if (ext.test(n) && !n.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The source file a relative specifier names (`./x.js` is `./x.ts` or `./x.tsx`), if any. */
function target(from: string, spec: string, files: ReadonlySet<string>): string | undefined {
  const base = resolve(dirname(from), spec).replace(/\.(js|mjs|jsx)$/, '');
  return [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts')].find((f) => files.has(f));
}

/** Every relative import, export-from and import() of each file of src/, as files. */
function importGraph(): Map<string, string[]> {
  const files = sourceFiles(SRC);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const info = ts.preProcessFile(readFileSync(f, 'utf8'), true, true);
    const to: string[] = [];
    for (const { fileName } of info.importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const t = target(f, fileName, known);
      if (!t) throw new Error(`${relative(ROOT, f)}: ${fileName} names no source file`);
      to.push(t);
    }
    graph.set(f, to);
  }
  return graph;
}

const folderOf = (f: string) => relative(SRC, f).split('/')[0]!;

/** Imports of a folder on the same or a higher floor than the importing file's folder. */
function upwardImports(graph: Map<string, string[]>, level: ReadonlyMap<string, number>): string[] {
  const upward: string[] = [];
  for (const [from, tos] of graph) {
    for (const to of tos) {
      const a = folderOf(from);
      const b = folderOf(to);
      if (a !== b && level.get(b)! >= level.get(a)!) upward.push(`${relative(ROOT, from)} → ${relative(ROOT, to)}`);
    }
  }
  return upward;
}

/** Strongly connected components of more than one file (or a file importing itself). */
function circles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || graph.get(v)!.includes(v)) out.push(scc.map((f) => relative(ROOT, f)).sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

/** Exported declarations of src/ that no file names (neither another file nor their own, past the declaration). */
function unusedExports(files: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const [f, text] of files) {
    if (!f.startsWith(SRC)) continue;
    for (const m of text.matchAll(/^export (?:async )?(?:function\*?|const|let|class|interface|type|enum) (\w+)/gm)) {
      const word = new RegExp(`\\b${m[1]}\\b`, 'g');
      const used = [...files].some(([g, t]) => (g === f ? (t.match(word)?.length ?? 0) > 1 : word.test(t)));
      if (!used) out.push(`${relative(ROOT, f)}: ${m[1]}`);
    }
  }
  return out;
}

describe('architecture', () => {
  const floors = floorsOf(readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8'));
  const level = new Map(floors.flatMap((names, i) => names.map((n) => [n, floors.length - i] as const)));
  const graph = importGraph();

  it('puts every folder of src/ on a floor', () => {
    const folders = readdirSync(SRC).filter((n) => statSync(join(SRC, n)).isDirectory());
    expect(folders.filter((f) => !level.has(f))).toEqual([]);
    expect([...level.keys()].filter((f) => !folders.includes(f))).toEqual([]);
  });

  it('has no import of a folder on the same or a higher floor', () => {
    expect(upwardImports(graph, level)).toEqual([]);
  });

  it('has no circle of TypeScript files', () => {
    expect(circles(graph)).toEqual([]);
  });

  it('has no export that nothing uses (src, test, bin, benches)', () => {
    const files = [SRC, join(ROOT, 'test'), join(ROOT, 'bin')].flatMap((d) => sourceFiles(d, /\.(tsx?|mjs|js|cjs)$/));
    expect(unusedExports(new Map(files.map((f) => [f, readFileSync(f, 'utf8')])))).toEqual([]);
  });

  it('has a README in every folder that lists its files and the folders it may import', () => {
    const wrong: string[] = [];
    for (const folder of level.keys()) {
      const dir = join(SRC, folder);
      let text: string;
      try {
        text = readFileSync(join(dir, 'README.md'), 'utf8');
      } catch {
        wrong.push(`src/${folder}: no README.md`);
        continue;
      }
      const files = sourceFiles(dir).map((f) => relative(dir, f));
      const listed = [...text.matchAll(/^- `([^`]+\.tsx?)`/gm)].map((m) => m[1]!);
      for (const f of files) if (!listed.includes(f)) wrong.push(`src/${folder}/README.md does not list ${f}`);
      for (const f of listed) if (!files.includes(f)) wrong.push(`src/${folder}/README.md lists ${f}, which is not there`);
      const may = /## May import\n\n([^\n]*)/.exec(text)?.[1] ?? '';
      const named = [...may.matchAll(/`src\/([a-z]+)`/g)].map((m) => m[1]!).sort();
      const below = [...level].filter(([, l]) => l < level.get(folder)!).map(([n]) => n).sort();
      if (named.join() !== below.join()) wrong.push(`src/${folder}/README.md may import ${named.join(', ') || 'nothing'}; the floors say ${below.join(', ') || 'nothing'}`);
    }
    expect(wrong).toEqual([]);
  });

  it('finds what it looks for (an upward import and a circle are seen)', () => {
    const a = join(SRC, 'util/a.ts');
    const b = join(SRC, 'util/b.ts');
    expect(circles(new Map([[a, [b]], [b, [a]]]))).toEqual([['src/util/a.ts', 'src/util/b.ts']]);
    const low = join(SRC, 'util/x.ts');
    const high = join(SRC, 'engine/y.ts');
    const side = join(SRC, 'trace/z.ts');
    const floorsHere = new Map([['engine', 2], ['util', 1], ['trace', 1]]);
    expect(upwardImports(new Map([[high, [low]], [low, []]]), floorsHere)).toEqual([]);
    expect(upwardImports(new Map([[low, [high, side]]]), floorsHere)).toEqual(['src/util/x.ts → src/engine/y.ts', 'src/util/x.ts → src/trace/z.ts']);
    expect(floorsOf('```floors\ncli  # top\nutil trace\n```')).toEqual([['cli'], ['util', 'trace']]);
    const used = join(SRC, 'util/u.ts');
    expect(unusedExports(new Map([[used, 'export function a() {}\nexport const b = 1;\nexport type C = 1;\nconst d: C = 1;'], [join(ROOT, 'test/t.ts'), 'a();']]))).toEqual(['src/util/u.ts: b']);
  });
});
