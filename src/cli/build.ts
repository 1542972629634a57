import type { Command } from 'commander';

export function registerBuild(program: Command): void {
  program.command('build').description('(not yet implemented)').action(() => {
    throw new Error('build: not implemented');
  });
}
