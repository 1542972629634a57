// The slimts command line: thin commander handlers over the library.
import { Command, CommanderError } from 'commander';
import { registerImagebuild } from './imagebuild.js';
import { registerBuild } from './build.js';
import { registerXray } from './xray.js';
import { registerInstrument } from './instrument.js';
import { registerExplain } from './explain.js';
import { UserError } from '../util/errors.js';
import { endWhenOutputCloses } from '../util/cleanup.js';
import { engineFailure } from '../engine/errors.js';
import { commanderLine, usageExitCode } from './usage.js';

export async function main(argv: string[]): Promise<number> {
  endWhenOutputCloses();
  const program = new Command('slimts')
    .description('Make container images small and still working')
    .version('0.1.0')
    .exitOverride()
    // commander's own errors (unknown option or command, a missing argument) end like every
    // other bad input: one `slimts: ...` line. Subcommands inherit this when they are made.
    .configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: (s, write) => write(commanderLine(s)) });
  registerImagebuild(program);
  registerBuild(program);
  registerXray(program);
  registerInstrument(program);
  registerExplain(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (caught) {
    if (caught instanceof CommanderError) return usageExitCode(caught);
    // an engine reply or a full disk that reached here is still not our bug: one line, exit 2
    const err = engineFailure(caught, program.args[0] ?? 'slimts');
    if (err instanceof UserError) {
      process.stderr.write(`slimts: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`slimts: ${(err as Error)?.stack ?? String(err)}\n`);
    return 70;
  }
}
