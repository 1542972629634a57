import type { Command } from 'commander';

export function registerImagebuild(program: Command): void {
  program.command('imagebuild').description('(not yet implemented)').action(() => {
    throw new Error('imagebuild: not implemented');
  });
}
