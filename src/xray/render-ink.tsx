// TTY rendering with ink: the same sections as the text output, with colour. Rendered once
// and unmounted (the report is static), and only when stdout is a TTY.
import { Box, Static, Text, render } from 'ink';
import type { XrayReport } from './report.js';
import { buildSections, type Section } from './sections.js';

function widths(rows: string[][]): number[] {
  const w: number[] = [];
  for (const r of rows) r.forEach((c, i) => (w[i] = Math.max(w[i] ?? 0, [...c].length)));
  return w;
}

function SectionView({ s }: { s: Section }) {
  const w = widths(s.rows);
  const body = s.header ? s.rows.slice(1) : s.rows;
  return (
    <Box flexDirection="column" marginBottom={1}>
      <Text bold color="cyan">
        {s.title}
      </Text>
      {body.length === 0 ? <Text dimColor>  {s.empty ?? ''}</Text> : null}
      {body.length === 0
        ? null
        : s.rows.map((row, i) => (
            <Text key={i} bold={s.header && i === 0} color={s.bad?.includes(i) ? 'red' : undefined} wrap="truncate-end">
              {'  ' + row.map((c, j) => (j === row.length - 1 ? c : c.padEnd(w[j]))).join('  ')}
            </Text>
          ))}
    </Box>
  );
}

// Sections go through <Static>: written once above the live area, so a report taller than
// the terminal scrolls normally instead of making ink clear the screen and redraw.
function Report({ report, width }: { report: XrayReport; width: number }) {
  const sections = buildSections(report, { width });
  return (
    <Static items={sections}>
      {(s, i) => (
        <Box key={i} width={width}>
          <SectionView s={s} />
        </Box>
      )}
    </Static>
  );
}

export async function renderInk(report: XrayReport): Promise<void> {
  // A pseudo-terminal may report 0 columns: lay out for a usual width then.
  const width = process.stdout.columns || 120;
  const app = render(<Report report={report} width={width} />, { patchConsole: false, exitOnCtrlC: false });
  app.unmount();
  await app.waitUntilExit();
}
