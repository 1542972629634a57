// Live stage view for `slimts build` on a terminal (stderr is a TTY and no --json): each
// stage with a ticking time, then a check mark. A run's notes (the app is running, stopping
// it...) show under the stage whose run they come from while it runs; once it is done only its
// warnings stay, so the last frame reads as what happened. Never used when output is not a TTY.
import { useEffect, useState } from 'react';
import { Box, Text, render, type Instance } from 'ink';
import type { Stage } from './options.js';

interface Note {
  text: string;
  warning: boolean;
}

interface Row {
  stage: Stage;
  start: number;
  ms?: number;
  notes: Note[];
}

export interface ProgressView {
  stage(stage: Stage, state: 'start' | 'done', ms?: number): void;
  /** A note from `stage`'s run (the traced run, verify, the hardened run). */
  note(stage: Stage, message: string, warning?: boolean): void;
  close(): void;
}

type Listener = (rows: Row[]) => void;

/** While a stage runs: its last few notes; done: its warnings (at most this many). */
const LIVE_NOTES = 3;
const KEPT_WARNINGS = 5;

function View({ subscribe }: { subscribe: (l: Listener) => void }) {
  const [rows, setRows] = useState<Row[]>([]);
  const [, tick] = useState(0);
  useEffect(() => {
    subscribe((r) => setRows(r.map((x) => ({ ...x, notes: [...x.notes] }))));
    const t = setInterval(() => tick((x) => x + 1), 100);
    return () => clearInterval(t);
  }, [subscribe]);
  return (
    <Box flexDirection="column">
      {rows.map((r) => {
        const shown = r.ms === undefined ? r.notes.slice(-LIVE_NOTES) : r.notes.filter((n) => n.warning).slice(-KEPT_WARNINGS);
        return (
          <Box key={r.stage} flexDirection="column">
            <Text>
              {r.ms === undefined ? <Text color="yellow">…</Text> : <Text color="green">✓</Text>} {r.stage.padEnd(8)}{' '}
              <Text dimColor>{(((r.ms ?? Date.now() - r.start) as number) / 1000).toFixed(1)}s</Text>
            </Text>
            {shown.map((n, i) => (
              <Text key={i} wrap="truncate-end" dimColor={!n.warning} color={n.warning ? 'yellow' : undefined}>
                {n.warning ? '    ⚠ ' : '    '}
                {n.text}
              </Text>
            ))}
          </Box>
        );
      })}
    </Box>
  );
}

export function progressView(): ProgressView {
  const rows: Row[] = [];
  let listener: Listener = () => {};
  const push = () => listener(rows);
  const inst: Instance = render(<View subscribe={(l) => { listener = l; push(); }} />, { stdout: process.stderr, patchConsole: false, exitOnCtrlC: false });
  return {
    stage(stage, state, ms) {
      const r = rows.find((x) => x.stage === stage);
      if (state === 'start') {
        if (!r) rows.push({ stage, start: Date.now(), notes: [] });
      } else if (r) r.ms = ms ?? Date.now() - r.start;
      push();
    },
    note(stage, message, warning = false) {
      const r = rows.find((x) => x.stage === stage) ?? rows[rows.length - 1];
      if (!r) return;
      r.notes.push({ text: message, warning });
      push();
    },
    close() {
      inst.unmount();
    },
  };
}
