/** An error caused by the user's input or environment: printed as one line, no stack. */
export class UserError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
    this.name = 'UserError';
  }
}

/**
 * An error from outside slimts (an engine reply, the file system, a registry) as one line for
 * a UserError: dockerode's copy of the engine's reply when there is one (its message is the
 * useful part), whitespace collapsed, at most 500 characters.
 */
export function oneLine(err: unknown): string {
  const e = typeof err === 'object' && err !== null ? (err as { json?: { message?: unknown }; message?: unknown }) : undefined;
  const msg = e?.json?.message ?? e?.message ?? err;
  return String(msg).replace(/\s+/g, ' ').trim().slice(0, 500);
}
