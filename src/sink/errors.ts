// Errors from the engine, the file system or a registry, squeezed into one line for UserError.
export function oneLine(err: unknown): string {
  let msg: string;
  if (err instanceof Error) {
    // dockerode puts the engine's reply in .json; its message is the useful part.
    const json = (err as Error & { json?: { message?: string } }).json;
    msg = json?.message ?? err.message;
  } else {
    msg = String(err);
  }
  return msg.replace(/\s+/g, ' ').trim().slice(0, 500);
}
