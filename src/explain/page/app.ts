// The script of the self-contained explain page (inlined by src/explain/html.ts from its
// compiled form in dist/). It runs in the browser: no imports, no network; it reads the JSON
// document in <script id="slimts-data"> (src/explain/page-data.ts) and draws the summary, a
// treemap of kept vs dropped bytes by folder, the searchable tree with reasons, the probes.

import type { PageData, PageNode, ProbeData } from '../page-data.js'; // types only: nothing is imported at run time

/** A node as the page indexes it: its path and folder filled in here. */
interface PNode extends PageNode {
  c?: PNode[];
  p?: string;
  up?: PNode;
}

type Probe = ProbeData;
type Data = PageData & { tree: PNode };

const data: Data = JSON.parse(document.getElementById('slimts-data')!.textContent!);
const byPath = new Map<string, PNode>();
const KEPT = 0;
const DROPPED = 1;

function index(n: PNode, path: string, up: PNode | undefined): void {
  n.p = path;
  n.up = up;
  byPath.set(path, n);
  for (const c of n.c ?? []) index(c, path === '/' ? `/${c.n}` : `${path}/${c.n}`, n);
}
index(data.tree, '/', undefined);

// src/util/size.ts's fmtBytes, again: the page is one inline script and imports nothing at run time
function size(n: number): string {
  if (n < 1000) return `${n} B`;
  const u = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = -1;
  while (v >= 1000 && i < u.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${u[i]}`;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...kids: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const k of kids) e.append(k);
  return e;
}

const total = (n: PNode, mark: number): number => (n.c ? n.k![mark] ?? 0 : n.m === mark ? n.s : 0);
const all = (n: PNode): number => (n.c ? n.k!.reduce((a, b) => a + b, 0) : n.s);
const markName = (n: PNode): string => data.marks[n.m]?.name ?? '?';

// ---- summary
function drawSummary(): void {
  const s = document.getElementById('summary')!;
  s.append(
    el('h1', {}, data.title),
    el('p', { class: 'before-after' },
      el('span', { class: 'before' }, `${size(data.source.size)} · ${data.source.files} entries`), ' → ',
      el('span', { class: 'after' }, `${size(data.output.size)} · ${data.output.files} entries`),
      data.ratio ? ` (${data.ratio.toFixed(1)}× smaller)` : ''),
  );
  for (const line of data.summary.slice(1)) s.append(el('p', {}, line));
  if (data.verify) {
    const v = data.verify;
    s.append(el('p', { class: v.ran && !v.ok ? 'bad' : '' }, `verify: ${v.ran ? (v.ok ? 'the slim image answers like the original' : 'FAILED') : 'skipped'}${v.notes.length ? ` — ${v.notes.join('; ')}` : ''}`));
  }
}

// ---- treemap: folders two levels deep, each split into kept and dropped bytes
interface Rect { x: number; y: number; w: number; h: number }

function squarify(items: { v: number; node: PNode }[], r: Rect): { node: PNode; r: Rect }[] {
  const out: { node: PNode; r: Rect }[] = [];
  const sum = items.reduce((a, b) => a + b.v, 0);
  if (!sum || r.w <= 0 || r.h <= 0) return out;
  const scale = (r.w * r.h) / sum;
  let rest = items.map((i) => ({ ...i, a: i.v * scale }));
  let box = { ...r };
  while (rest.length) {
    const short = Math.min(box.w, box.h);
    let row: typeof rest = [];
    let worst = Infinity;
    for (const it of rest) {
      const next = [...row, it];
      const s = next.reduce((a, b) => a + b.a, 0);
      const w = Math.max(...next.map((x) => Math.max((short * short * x.a) / (s * s), (s * s) / (short * short * x.a))));
      if (w > worst) break;
      worst = w;
      row = next;
    }
    const s = row.reduce((a, b) => a + b.a, 0);
    const thick = s / short;
    let off = 0;
    for (const it of row) {
      const len = it.a / thick;
      out.push({ node: it.node, r: box.w >= box.h ? { x: box.x, y: box.y + off, w: thick, h: len } : { x: box.x + off, y: box.y, w: len, h: thick } });
      off += len;
    }
    box = box.w >= box.h ? { x: box.x + thick, y: box.y, w: box.w - thick, h: box.h } : { x: box.x, y: box.y + thick, w: box.w, h: box.h - thick };
    rest = rest.slice(row.length);
  }
  return out;
}

function drawTreemap(): void {
  const host = document.getElementById('treemap')!;
  const W = host.clientWidth || 900;
  const H = 360;
  host.style.height = `${H}px`;
  const folders = (n: PNode) => (n.c ?? []).filter((c) => all(c) > 0).map((c) => ({ v: all(c), node: c })).sort((a, b) => b.v - a.v);
  for (const top of squarify(folders(data.tree), { x: 0, y: 0, w: W, h: H })) {
    const inner = top.node.c && top.r.w > 60 && top.r.h > 40 ? squarify(folders(top.node), { x: top.r.x + 2, y: top.r.y + 16, w: top.r.w - 4, h: top.r.h - 18 }) : [];
    host.append(cell(top.node, top.r, 'top', inner.length === 0));
    for (const c of inner) host.append(cell(c.node, c.r, 'inner', true));
  }
}

function cell(n: PNode, r: Rect, level: string, fill: boolean): HTMLElement {
  const kept = total(n, KEPT) + total(n, 2);
  const frac = all(n) ? kept / all(n) : 0;
  const div = el('div', { class: `cell ${level}`, 'data-path': n.p!, title: `${n.p}: kept ${size(kept)}, dropped ${size(total(n, DROPPED))}` });
  Object.assign(div.style, { left: `${r.x}px`, top: `${r.y}px`, width: `${Math.max(0, r.w - 1)}px`, height: `${Math.max(0, r.h - 1)}px` });
  if (fill) div.style.background = `linear-gradient(to right, var(--kept) ${frac * 100}%, var(--dropped) ${frac * 100}%)`;
  if (r.w > 40 && r.h > 14) div.append(el('span', { class: 'label' }, `${n.p} ${size(kept)} / ${size(all(n))}`));
  div.addEventListener('click', (ev) => {
    ev.stopPropagation();
    reveal(n.p!);
  });
  return div;
}

// ---- tree
const open = new Set<string>(['/']);
let selected: string | undefined;

function row(n: PNode, depth: number): HTMLElement {
  const mark = markName(n);
  const li = el('div', { class: `row ${mark}${n.p === selected ? ' selected' : ''}`, 'data-path': n.p! });
  li.style.paddingLeft = `${depth * 16}px`;
  const sym = data.marks[n.m]?.symbol ?? ' ';
  const sizes = n.c ? `kept ${size(total(n, KEPT))} · dropped ${size(total(n, DROPPED))}` : size(n.s);
  li.append(el('span', { class: 'sym' }, sym), el('span', { class: 'name' }, n.c ? `${open.has(n.p!) ? '▾' : '▸'} ${n.n}/` : n.n), el('span', { class: 'size' }, sizes));
  li.addEventListener('click', () => {
    if (n.c) {
      if (open.has(n.p!)) open.delete(n.p!);
      else open.add(n.p!);
    }
    select(n.p!);
  });
  return li;
}

function drawTree(): void {
  const host = document.getElementById('tree')!;
  host.replaceChildren();
  const walk = (n: PNode, depth: number): void => {
    for (const c of n.c ?? []) {
      host.append(row(c, depth));
      if (c.c && open.has(c.p!)) walk(c, depth + 1);
    }
  };
  walk(data.tree, 0);
}

function select(path: string): void {
  selected = path;
  drawTree();
  drawDetails();
}

function reveal(path: string): void {
  for (let n = byPath.get(path)?.up; n; n = n.up) open.add(n.p!);
  const n = byPath.get(path);
  if (n?.c) open.add(path);
  select(path);
  document.querySelector(`#tree [data-path="${CSS.escape(path)}"]`)?.scrollIntoView({ block: 'center' });
}

function reasonList(n: PNode): HTMLElement {
  const ul = el('ul', { class: 'reasons' });
  for (const [text, link] of n.r ?? []) {
    const li = el('li', {}, text);
    if (link) {
      const a = el('a', { href: '#', class: 'cause' }, `→ ${link}`);
      a.addEventListener('click', (ev) => {
        ev.preventDefault();
        reveal(link);
      });
      li.append(' ', a);
    }
    ul.append(li);
  }
  return ul;
}

function drawDetails(): void {
  const host = document.getElementById('details')!;
  host.replaceChildren();
  const n = selected ? byPath.get(selected) : undefined;
  if (!n) return;
  host.append(el('h3', {}, `${markName(n)}: ${n.p}`), el('p', {}, n.c ? `kept ${size(total(n, KEPT))}, dropped ${size(total(n, DROPPED))}` : size(n.s)));
  if (n.r?.length) host.append(reasonList(n));
  else if (markName(n) === 'dropped') host.append(el('p', {}, `to keep it: slimts build … --include-path ${n.p}`));
}

// ---- search: every entry whose path holds the text, with its reasons
function search(text: string): void {
  const host = document.getElementById('results')!;
  host.replaceChildren();
  if (!text) return;
  const q = text.toLowerCase();
  const hits: PNode[] = [];
  for (const [p, n] of byPath) if (p !== '/' && p.toLowerCase().includes(q) && hits.push(n) >= 200) break;
  host.append(el('p', { class: 'count' }, hits.length >= 200 ? 'first 200 matches' : `${hits.length} match${hits.length === 1 ? '' : 'es'}`));
  for (const n of hits) {
    const item = el('div', { class: `hit ${markName(n)}`, 'data-path': n.p! });
    const a = el('a', { href: '#' }, n.p!);
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      reveal(n.p!);
    });
    item.append(el('span', { class: 'mark' }, markName(n)), ' ', a, ' ', el('span', { class: 'size' }, n.c ? '' : size(n.s)));
    if (n.r?.length) item.append(reasonList(n));
    host.append(item);
  }
}

// ---- probes, packages, reasons
function table(head: string[], rows: string[][], cls = ''): HTMLTableElement {
  const t = el('table', { class: cls });
  t.append(el('tr', {}, ...head.map((h) => el('th', {}, h))));
  for (const r of rows) t.append(el('tr', {}, ...r.map((c) => el('td', {}, c))));
  return t;
}

function drawProbes(): void {
  const host = document.getElementById('probes')!;
  const rows = (ps: Probe[]) => ps.map((p) => [p.kind, p.target, p.ok ? 'ok' : 'failed', p.status === undefined ? '' : String(p.status), p.error ?? '', p.ms === undefined ? '' : `${p.ms} ms`]);
  const head = ['kind', 'target', 'answer', 'status', 'error', 'time'];
  host.append(el('h3', {}, 'traced run'), data.probes.length ? table(head, rows(data.probes), 'probes') : el('p', {}, 'no probes'));
  if (data.verifyProbes.length) host.append(el('h3', {}, 'verify (the slim image)'), table(head, rows(data.verifyProbes), 'probes'));
}

function drawPackages(): void {
  const host = document.getElementById('packages')!;
  if (data.packages === undefined) {
    host.append(el('p', {}, 'this report has no package counts'));
    return;
  }
  const rows: string[][] = [];
  const flat = (v: unknown, key: string): void => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) flat(x, key ? `${key}.${k}` : k);
    else rows.push([key, Array.isArray(v) ? `${v.length} items` : String(v)]);
  };
  flat(data.packages, '');
  host.append(table(['', 'value'], rows, 'packages'));
}

function drawReasons(): void {
  const host = document.getElementById('reasons')!;
  host.append(table(['reason', 'files', 'bytes', 'example'], data.reasons.map((r) => [r.reason, String(r.files), size(r.bytes), r.example])));
}

drawSummary();
drawTreemap();
drawTree();
drawProbes();
drawPackages();
drawReasons();
const box = document.getElementById('search') as HTMLInputElement;
box.addEventListener('input', () => search(box.value.trim()));
document.body.setAttribute('data-ready', '1');

export {};
