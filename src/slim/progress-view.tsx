// Live stage view for `slimts build` on a terminal (stderr is a TTY and no --json): each
// stage with a ticking time, then a check mark. Never used when output is not a TTY.
import { useEffect, useState } from 'react';
import { Box, Text, render, type Instance } from 'ink';
import type { Stage } from './options.js';

interface Row {
  stage: Stage;
  start: number;
  ms?: number;
}

export interface ProgressView {
  stage(stage: Stage, state: 'start' | 'done', ms?: number): void;
  note(message: string): void;
  close(): void;
}

type Listener = (rows: Row[], notes: string[]) => void;

function View({ subscribe }: { subscribe: (l: Listener) => void }) {
  const [rows, setRows] = useState<Row[]>([]);
  const [notes, setNotes] = useState<string[]>([]);
  const [, tick] = useState(0);
  useEffect(() => {
    subscribe((r, n) => {
      setRows([...r]);
      setNotes([...n]);
    });
    const t = setInterval(() => tick((x) => x + 1), 100);
    return () => clearInterval(t);
  }, [subscribe]);
  return (
    <Box flexDirection="column">
      {rows.map((r) => (
        <Text key={r.stage}>
          {r.ms === undefined ? <Text color="yellow">…</Text> : <Text color="green">✓</Text>} {r.stage.padEnd(8)}{' '}
          <Text dimColor>{(((r.ms ?? Date.now() - r.start) as number) / 1000).toFixed(1)}s</Text>
        </Text>
      ))}
      {notes.slice(-3).map((n, i) => (
        <Text key={i} dimColor wrap="truncate-end">
          {'  '}
          {n}
        </Text>
      ))}
    </Box>
  );
}

export function progressView(): ProgressView {
  const rows: Row[] = [];
  const notes: string[] = [];
  let listener: Listener = () => {};
  const push = () => listener(rows, notes);
  const inst: Instance = render(<View subscribe={(l) => { listener = l; push(); }} />, { stdout: process.stderr, patchConsole: false, exitOnCtrlC: false });
  return {
    stage(stage, state, ms) {
      const r = rows.find((x) => x.stage === stage);
      if (state === 'start') {
        if (!r) rows.push({ stage, start: Date.now() });
      } else if (r) r.ms = ms ?? Date.now() - r.start;
      push();
    },
    note(message) {
      notes.push(message);
      push();
    },
    close() {
      inst.unmount();
    },
  };
}
