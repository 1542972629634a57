// `slimts explain [REPORT]` / `slimts explain IMAGE REPORT`: a thin handler over src/explain —
// the interactive tree on a terminal, a plain tree otherwise, --why, --top, --html, --json.
import { Command } from 'commander';
import { UserError } from '../util/errors.js';
import { interactiveTerminal } from '../util/terminal.js';

interface Flags {
  why?: string;
  top?: string;
  html?: string;
  json?: boolean;
  plain?: boolean;
  depth?: string;
  platform?: string;
}

function count(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`--${name} wants a whole number above 0, got '${v}'`);
  return n;
}

export function registerExplain(program: Command): void {
  program
    .command('explain')
    .description("Walk the original image's tree from a build report: each entry kept, dropped or added, its bytes, why it was kept and what caused it")
    .argument('[report]', 'the build report (default slim.report.json); or IMAGE REPORT to read the original tree from the image')
    .argument('[second]', 'the report, when the first argument is the original image')
    .option('--why <path>', 'one answer for a path: kept (reasons), dropped (nearest kept, the flag that keeps it) or not in the image')
    .option('--top <n>', 'the N largest kept subtrees and the reasons that brought most bytes')
    .option('--html <file>', 'write one self-contained HTML page (tree, treemap, reasons, probes)')
    .option('--json', 'print --why / --top (or the whole tree) as JSON')
    .option('--plain', 'a plain text tree even on a terminal')
    .option('--depth <n>', 'plain tree: folders shown this deep')
    .option('--platform <os/arch[/variant]>', 'with IMAGE: the platform to read')
    .action(async (first: string | undefined, second: string | undefined, f: Flags) => {
      const depth = f.depth !== undefined ? count('depth', f.depth) : undefined;
      const topN = f.top !== undefined ? count('top', f.top) : undefined;
      const interactive = f.why === undefined && topN === undefined && !f.html && !f.json && !f.plain && interactiveTerminal();
      // the view's modules (ink, react, yoga's wasm) load while the report is read and parsed
      const view = interactive ? import('../treeview/view.js') : undefined;
      view?.catch(() => undefined); // awaited below; a failure is reported there
      const ex = await import('../explain/index.js'); // loaded on use: keeps other commands' start fast
      const [image, reportFile] = second !== undefined ? [first, second] : [undefined, first ?? 'slim.report.json'];
      let loaded = ex.loadReport(reportFile);
      if (image) loaded = await (await import('../explain/from-image.js')).withImageTree(loaded, image, f.platform);
      const model = ex.explainModel(loaded);
      if (f.html) {
        ex.writeHtml(f.html, loaded, model);
        if (!f.why && !topN) process.stderr.write(`explain: wrote ${f.html}\n`);
      }
      if (f.why !== undefined) {
        const answer = ex.why(model, f.why, { hasDropped: loaded.dropped !== undefined });
        process.stdout.write(f.json ? JSON.stringify(answer, null, 2) + '\n' : ex.whyLines(answer).join('\n') + '\n');
        process.exitCode = answer.status === 'kept' || answer.status === 'added' ? 0 : 1;
        return;
      }
      if (topN !== undefined) {
        const t = ex.top(model, topN);
        process.stdout.write(f.json ? JSON.stringify(t, null, 2) + '\n' : ex.topLines(t).join('\n') + '\n');
        return;
      }
      if (f.html) return;
      if (f.json) throw new UserError('--json goes with --why or --top (the report itself is the JSON)');
      if (view) {
        await (await view).runTreeView([model]);
        return;
      }
      process.stdout.write((await import('../treeview/text.js')).renderTreeText(model, { depth }));
    });
}
