// commander's usage errors in slimts's words: one `slimts: ...` line, exit 2 (bad input), as the
// README promises for every command. Exit 1 stays what `xray --ci` means: a rule failed.
import type { CommanderError } from 'commander';

/** "error: unknown option '--jsn'\n(Did you mean --json?)\n" → "slimts: unknown option '--jsn' (Did you mean --json?)\n". */
export function commanderLine(message: string): string {
  const text = message.replace(/^error:\s*/i, '').replace(/\s+/g, ' ').trim();
  return `slimts: ${text}\n`;
}

/** --help and --version end well (0); every other commander stop is a usage error (2). */
export function usageExitCode(err: CommanderError): number {
  if (err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
  return 2;
}
