// The engine's answer to an image load (`docker load`): JSON messages naming what was loaded,
// or the error. Read by the sinks and by the loading of a file input.

interface LoadMessage {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/** The whole answer of an image load. */
export async function readLoadOutput(s: NodeJS.ReadableStream): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  return Buffer.concat(parts).toString('utf8');
}

/** Parses the engine's load output: JSON messages, one per line (or concatenated). */
export function parseLoadOutput(text: string): { tags: string[]; ids: string[]; error?: string } {
  const tags: string[] = [];
  const ids: string[] = [];
  let error: string | undefined;
  for (const m of text.matchAll(/\{(?:[^{}]|\{[^{}]*\})*\}/g)) {
    let msg: LoadMessage;
    try {
      msg = JSON.parse(m[0]) as LoadMessage;
    } catch {
      continue;
    }
    if (msg.error || msg.errorDetail?.message) error ??= msg.errorDetail?.message ?? msg.error;
    for (const line of (msg.stream ?? '').split('\n')) {
      const id = /^Loaded image ID: (\S+)/.exec(line);
      const tag = /^Loaded image: (\S+)/.exec(line);
      if (id) ids.push(id[1]!);
      else if (tag) tags.push(tag[1]!);
    }
  }
  return { tags, ids, error };
}

