// The slimts command line: thin commander handlers over the library.
import { Command, CommanderError } from 'commander';
import { registerImagebuild } from './imagebuild.js';
import { registerBuild } from './build.js';
import { registerXray } from './xray.js';
import { registerExplain } from './explain.js';
import { UserError } from '../util/errors.js';
import { engineFailure } from '../engine/errors.js';

export async function main(argv: string[]): Promise<number> {
  const program = new Command('slimts')
    .description('Make container images small and still working')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerImagebuild(program);
  registerBuild(program);
  registerXray(program);
  registerExplain(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (caught) {
    if (caught instanceof CommanderError) return caught.exitCode;
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
