// The slimts command line: thin commander handlers over the library.
import { Command, CommanderError } from 'commander';
import { registerImagebuild } from './imagebuild.js';
import { registerBuild } from './build.js';
import { registerXray } from './xray.js';
import { UserError } from '../util/errors.js';

export async function main(argv: string[]): Promise<number> {
  const program = new Command('slimts')
    .description('Make container images small and still working')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerImagebuild(program);
  registerBuild(program);
  registerXray(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof UserError) {
      process.stderr.write(`slimts: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`slimts: ${(err as Error)?.stack ?? String(err)}\n`);
    return 70;
  }
}
