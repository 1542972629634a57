// `slimts xray IMAGE`: a thin handler over xray(); output as ink (TTY), plain text or JSON.
import { Command, Option } from 'commander';
import { UserError } from '../util/errors.js';
import { loadGateConfig, parseSize, type GateConfig } from '../xray/gate.js';
import { interactiveTerminal } from '../util/terminal.js';

interface Flags {
  json?: boolean;
  plain?: boolean;
  platform?: string;
  top: string;
  dupMinSize: string;
  diff?: string;
  diffDepth: string;
  ci?: boolean;
  ciConfig?: string;
  lowestEfficiency?: string;
  highestWastedBytes?: string;
  highestUserWastedPercent?: string;
  maxSize?: string;
  tree?: boolean;
}

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UserError(`--${name} wants a whole number, got '${v}'`);
  return n;
}

export function registerXray(program: Command): void {
  program
    .command('xray')
    .description('Show what an image is made of: layers, efficiency and waste (as dive computes them), duplicates, security findings, a reverse-engineered Dockerfile')
    .argument('<image>', 'engine image name, docker-archive:PATH, oci-archive:PATH, oci:DIR, or a path')
    .option('--json', 'print the report as JSON (schema: src/xray/SCHEMA.md)')
    .option('--plain', 'plain text even on a terminal')
    .option('--tree', 'on a terminal, walk the image interactively first (each file\'s layer and waste, then what each layer changed), then print the report')
    .option('--platform <os/arch[/variant]>', 'platform to pick from a multi-platform image')
    .option('--top <n>', 'how many biggest files and inefficient paths to list', '10')
    .option('--dup-min-size <size>', 'smallest file size checked for duplicates', '1024')
    .option('--diff <other>', 'also show what each image has that the other lacks')
    .option('--diff-depth <n>', 'directory depth the diff sums by', '2')
    .option('--ci', 'evaluate the CI rules and exit 1 when one fails')
    .option('--ci-config <file>', "dive-style rules file (default: .dive-ci in the current directory, if present)")
    .addOption(new Option('--lowest-efficiency <ratio>', 'CI: fail below this efficiency (default 0.9)'))
    .addOption(new Option('--highest-wasted-bytes <size>', 'CI: fail above this many wasted bytes, e.g. 20MB (default disabled)'))
    .addOption(new Option('--highest-user-wasted-percent <ratio>', 'CI: fail above this wasted/user-bytes ratio (default 0.1)'))
    .addOption(new Option('--max-size <size>', 'CI: fail when the image is bigger, e.g. 200MB (default disabled)'))
    .action(async (ref: string, f: Flags) => {
      let gate: GateConfig | undefined;
      if (f.ci) {
        gate = loadGateConfig({
          ciConfig: f.ciConfig,
          cli: {
            'lowest-efficiency': f.lowestEfficiency,
            'highest-wasted-bytes': f.highestWastedBytes,
            'highest-user-wasted-percent': f.highestUserWastedPercent,
            'max-size': f.maxSize,
          },
        });
      }
      const { xray } = await import('../xray/xray.js'); // loaded on use: keeps other commands' start fast
      const interactive = !f.json && !f.plain && !!f.tree && interactiveTerminal();
      const treeModule = interactive ? await import('../xray/tree.js') : undefined;
      let models: import('../treeview/tree.js').TreeModel[] = [];
      const report = await xray(ref, {
        onAnalyzed: treeModule ? (a, r) => (models = treeModule.xrayModels(a, r)) : undefined,
        platform: f.platform,
        top: positiveInt('top', f.top),
        dupMinSize: Math.max(1, parseSize(f.dupMinSize)),
        diff: f.diff,
        diffDepth: positiveInt('diff-depth', f.diffDepth),
        gate,
      });
      if (f.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      else if (process.stdout.isTTY && !f.plain) {
        // the interactive tree first (image, then each layer); the report stays on screen after it
        if (models.length) await (await import('../treeview/view.js')).runTreeView(models);
        const { renderInk } = await import('../xray/render-ink.js');
        await renderInk(report);
      } else process.stdout.write((await import('../xray/render-text.js')).renderText(report, { width: process.stdout.columns }));
      if (report.ci && !report.ci.pass) {
        for (const r of report.ci.rules) if (r.status === 'fail') process.stderr.write(`FAIL ${r.rule}: ${r.message}\n`);
        process.exitCode = 1;
      }
    });
}
