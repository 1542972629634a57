// The interactive tree (ink), as dive users expect it: move, open and close folders, filter by
// mark / tag / size, search a path, a diff-only mode, and follow a detail's link (a reason's
// cause) with a way back. Several models (xray: the image and each layer) switch with [ ].
import { Box, Text, render, useApp, useInput, useStdout, type Key } from 'ink';
import { useMemo, useRef, useState } from 'react';
import { fmtSize, headerColumns, parseSizeText, sizeColumns, symbolOf, displayName, visibleRows } from './rows.js';
import { ancestorsOf, filterActive, tagsByBytes, type TreeFilter, type TreeModel, type TreeNode } from './tree.js';

interface Prompt {
  kind: 'search' | 'size';
  text: string;
}

export const KEY_HELP = '↑↓ move  ←→ close/open  space toggle  f kept/dropped  r reason  > size  / search  d diff  1-9 follow  b back  e/c all  q quit';

const NO_KEY: Key = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
  return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
} as Key;

function useColor(): boolean {
  return !(process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '');
}

function TreeApp({ models }: { models: TreeModel[] }) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const color = useColor();
  const height = Math.max(10, (stdout.rows || 30) - 1);
  const width = Math.max(40, stdout.columns || 100);

  const [view, setView] = useState(0);
  const model = models[view]!;
  const [open, setOpen] = useState<Set<TreeNode>>(() => new Set());
  const [closed, setClosed] = useState<Set<TreeNode>>(() => new Set());
  const [filter, setFilter] = useState<TreeFilter>({});
  const [cursor, setCursor] = useState(0);
  // the prompt lives in a ref as well: its text and the enter that ends it may come in one read
  const [prompt, setPromptState] = useState<Prompt | undefined>();
  const promptRef = useRef<Prompt | undefined>(undefined);
  const setPrompt = (p: Prompt | undefined) => {
    promptRef.current = p;
    setPromptState(p);
  };
  const [history, setHistory] = useState<string[]>([]);
  const [message, setMessage] = useState('');
  const [diff, setDiff] = useState(false);

  const effective: TreeFilter = diff ? { ...filter, marks: filter.marks?.length ? filter.marks.filter((m) => model.diffMarks.includes(m)) : model.diffMarks } : filter;
  const active = filterActive(effective);
  const isOpen = (n: TreeNode) => (active ? !closed.has(n) : open.has(n));
  const rows = useMemo(() => visibleRows(model, effective, isOpen), [model, open, closed, JSON.stringify(effective)]);

  const detailLines = 6;
  const listHeight = Math.max(3, height - model.summary.length - detailLines - 5);
  const cur = Math.min(cursor, Math.max(0, rows.length - 1));
  const top = Math.max(0, Math.min(cur - Math.floor(listHeight / 2), rows.length - listHeight));
  const selected = rows[cur]?.node;

  const clamp = (to: number) => Math.max(0, Math.min(rows.length - 1, to));
  const move = (to: number) => setCursor(clamp(to));
  // relative moves from the latest cursor: keys may come faster than renders
  const moveBy = (delta: number) => setCursor((c) => clamp(Math.min(c, rows.length - 1) + delta));
  const toggle = (n: TreeNode, want?: boolean) => {
    if (!n.children) return;
    const now = isOpen(n);
    const next = want ?? !now;
    if (next === now) return;
    if (active) setClosed((s) => withOrWithout(s, n, !next));
    else setOpen((s) => withOrWithout(s, n, next));
  };

  /** Shows `path`: opens its folders, clears a filter that hides it, puts the cursor on it. */
  const jump = (path: string, remember = true) => {
    const n = model.byPath.get(path);
    if (!n) {
      setMessage(`${path} is not in this tree`);
      return;
    }
    if (remember && selected) setHistory((h) => [...h, selected.path]);
    const ups = ancestorsOf(n);
    const nextOpen = new Set(open);
    const nextClosed = new Set(closed);
    for (const a of ups) {
      nextOpen.add(a);
      nextClosed.delete(a);
    }
    const visibleNow = visibleRows(model, effective, (x) => (active ? !nextClosed.has(x) : nextOpen.has(x)));
    let idx = visibleNow.findIndex((r) => r.node === n);
    if (idx < 0) {
      const plain = visibleRows(model, {}, (x) => nextOpen.has(x));
      idx = plain.findIndex((r) => r.node === n);
      setFilter({});
      setDiff(false);
      setMessage('filter cleared to show the entry');
    } else setMessage('');
    setOpen(nextOpen);
    setClosed(nextClosed);
    setCursor(Math.max(0, idx));
  };

  const links = (selected?.details ?? []).filter((d) => d.link);

  const onKey = (input: string, key: Key): void => {
    const prompt = promptRef.current;
    if (prompt) {
      if (key.escape) setPrompt(undefined);
      else if (key.return) {
        if (prompt.kind === 'search') setFilter((f) => ({ ...f, search: prompt.text || undefined }));
        else {
          const n = prompt.text ? parseSizeText(prompt.text) : 0;
          if (n === undefined) setMessage(`not a size: ${prompt.text}`);
          else setFilter((f) => ({ ...f, minSize: n || undefined }));
        }
        setPrompt(undefined);
        setCursor(0);
      } else if (key.backspace || key.delete) setPrompt({ ...prompt, text: prompt.text.slice(0, -1) });
      else if (input && !key.ctrl && !key.meta) {
        // a pasted line may end with its enter
        const [text, ...rest] = input.split(/\r|\n/);
        setPrompt({ ...prompt, text: prompt.text + text });
        if (rest.length) onKey('', { ...NO_KEY, return: true });
      }
      return;
    }
    if (input === 'q' || key.escape || (key.ctrl && input === 'c')) return exit();
    if (key.upArrow || input === 'k') return moveBy(-1);
    if (key.downArrow || input === 'j') return moveBy(1);
    if (key.pageUp) return moveBy(-listHeight);
    if (key.pageDown) return moveBy(listHeight);
    if (key.home || input === 'g') return move(0);
    if (key.end || input === 'G') return move(rows.length - 1);
    if (!selected) return;
    if (key.rightArrow || input === 'l') return toggle(selected, true);
    if (key.leftArrow || input === 'h') {
      if (selected.children && isOpen(selected)) return toggle(selected, false);
      const p = selected.parent;
      if (p && p !== model.root) return jump(p.path, false);
      return;
    }
    if (input === ' ') return toggle(selected);
    if (key.return) {
      if (selected.children) return toggle(selected);
      if (links[0]) return jump(links[0].link!);
      return;
    }
    if (/^[1-9]$/.test(input)) {
      const d = links[Number(input) - 1];
      if (d) jump(d.link!);
      return;
    }
    if (input === 'b' || key.backspace) {
      const last = history[history.length - 1];
      if (last) {
        setHistory((h) => h.slice(0, -1));
        jump(last, false);
      }
      return;
    }
    if (input === 'f') {
      // from the latest state, not this render's: keys may come faster than renders
      const cycle: (string | undefined)[] = [undefined, ...model.marks.map((m) => m.name)];
      setFilter((f) => {
        const next = cycle[(cycle.indexOf(f.marks?.[0]) + 1) % cycle.length];
        return { ...f, marks: next ? [next] : undefined };
      });
      return setCursor(0);
    }
    if (input === 'r') {
      // walked on demand, not at open: a big tree opens without it
      const cycle: (string | undefined)[] = [undefined, ...tagsByBytes(model.root).map((t) => t.tag)];
      setFilter((f) => ({ ...f, tag: cycle[(cycle.indexOf(f.tag) + 1) % cycle.length] }));
      return setCursor(0);
    }
    if (input === '/') return setPrompt({ kind: 'search', text: filter.search ?? '' });
    if (input === '>' || input === 's') return setPrompt({ kind: 'size', text: '' });
    if (input === 'd') {
      setDiff((d) => !d);
      return setCursor(0);
    }
    if (input === 'x') {
      setFilter({});
      setDiff(false);
      return setCursor(0);
    }
    if (input === 'e') {
      const all = new Set<TreeNode>();
      for (const n of model.byPath.values()) if (n.children) all.add(n);
      setOpen(all);
      return setClosed(new Set());
    }
    if (input === 'c') {
      setOpen(new Set());
      setClosed(new Set([...model.byPath.values()].filter((n) => n.children)));
      return setCursor(0);
    }
    if ((input === ']' || input === '[') && models.length > 1) {
      setView((v) => (v + (input === ']' ? 1 : models.length - 1)) % models.length);
      setOpen(new Set());
      setClosed(new Set());
      return setCursor(0);
    }
  };

  useInput((input, key) => {
    // keys typed before the view listened arrive as one chunk ("jf"): take them one by one
    if (!promptRef.current && input.length > 1 && !key.ctrl && !key.meta && !input.includes('\x1b')) {
      for (const ch of input) onKey(ch, NO_KEY);
    } else onKey(input, key);
  });

  const filterWords = [
    diff ? 'diff only' : '',
    filter.marks?.length ? `only ${filter.marks.join(', ')}` : '',
    filter.tag ? `reason ${filter.tag}` : '',
    filter.minSize ? `> ${fmtSize(filter.minSize)}` : '',
    filter.search ? `path ~ "${filter.search}"` : '',
  ].filter(Boolean);

  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold color={color ? 'cyan' : undefined} wrap="truncate-end">
        {models.length > 1 ? `[${view + 1}/${models.length}, [ ] switch] ` : ''}
        {model.title}
      </Text>
      {model.summary.map((s, i) => (
        <Text key={i} wrap="truncate-end">
          {s}
        </Text>
      ))}
      <Text dimColor wrap="truncate-end">
        {' '}
        {headerColumns(model)}
        {filterWords.length ? `   filter: ${filterWords.join('; ')} (x clears)` : ''}
      </Text>
      <Box flexDirection="column" height={listHeight}>
        {rows.length === 0 ? <Text dimColor>  nothing matches</Text> : null}
        {rows.slice(top, top + listHeight).map((r, i) => {
          const style = model.marks.find((m) => m.name === r.node.mark);
          const sel = top + i === cur;
          return (
            <Text key={r.node.path} inverse={sel} wrap="truncate-end">
              {/* the cursor also as a character: NO_COLOR (chalk off) drops inverse video too */}
              {sel ? '>' : ' '}
              <Text color={color ? style?.color : undefined}>{symbolOf(model, r.node)}</Text>
              {' '}
              {sizeColumns(model, r.node).join(' ')}
              {'  '}
              {r.guide}
              <Text bold={!!r.node.children} color={color ? style?.color : undefined}>
                {displayName(r.node)}
              </Text>
              {r.node.children && !r.open && r.node.children.length ? ' …' : ''}
            </Text>
          );
        })}
      </Box>
      <Box flexDirection="column" height={detailLines} borderStyle="single" borderTop borderBottom={false} borderLeft={false} borderRight={false}>
        {selected ? <Details node={selected} model={model} color={color} lines={detailLines - 1} /> : <Text> </Text>}
      </Box>
      <Text dimColor wrap="truncate-end">
        {prompt ? `${prompt.kind === 'search' ? 'search path' : 'larger than (e.g. 10MB)'}: ${prompt.text}▏  (enter apply, esc cancel)` : message || KEY_HELP}
      </Text>
    </Box>
  );
}

function Details({ node, model, color, lines }: { node: TreeNode; model: TreeModel; color: boolean; lines: number }) {
  const style = model.marks.find((m) => m.name === node.mark);
  const bytes = node.children ? Object.entries(node.totals).map(([k, v]) => `${k} ${fmtSize(v)}`).join(', ') || '0 B' : fmtSize(node.size);
  let n = 0;
  const body = node.details.slice(0, lines - 1).map((d) => {
    const num = d.link ? `[${++n}] ` : '    ';
    return (
      <Text key={`${d.text}-${n}`} wrap="truncate-end">
        {'  '}
        {num}
        {d.text}
      </Text>
    );
  });
  const more = node.details.length > lines - 1 ? ` (+${node.details.length - (lines - 1)} more)` : '';
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text bold color={color ? style?.color : undefined}>
          {node.mark}
        </Text>{' '}
        {node.path}
        {node.children ? '/' : ''} ({node.type}, {bytes}){more}
      </Text>
      {body}
    </Box>
  );
}

function withOrWithout<T>(s: Set<T>, v: T, add: boolean): Set<T> {
  const n = new Set(s);
  if (add) n.add(v);
  else n.delete(v);
  return n;
}

/** Runs the interactive view on the terminal's alternate screen until the user quits. */
export async function runTreeView(models: TreeModel[]): Promise<void> {
  process.stdout.write('\x1b[?1049h\x1b[H');
  try {
    const app = render(<TreeApp models={models} />, { patchConsole: false, exitOnCtrlC: false });
    await app.waitUntilExit();
  } finally {
    process.stdout.write('\x1b[?1049l');
  }
}
