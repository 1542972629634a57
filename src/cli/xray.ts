import type { Command } from 'commander';

export function registerXray(program: Command): void {
  program.command('xray').description('(not yet implemented)').action(() => {
    throw new Error('xray: not implemented');
  });
}
