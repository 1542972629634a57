// What failed outside slimts, as one line: an engine reply (its own words), a lost engine
// connection, a full or read-only disk. Only what is left is a bug of ours (exit 70).
import { oneLine, UserError } from '../util/errors.js'; // no dockerode: main.ts loads this on every start

const ENVIRONMENT = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EMFILE', 'ENFILE']);
const CONNECTION = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOENT', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);

/** `err` as a UserError when the engine or the host caused it; unchanged otherwise. */
export function engineFailure(err: unknown, stage: string): unknown {
  if (err instanceof UserError || !(err instanceof Error)) return err;
  const e = err as Error & { statusCode?: number; code?: string; path?: string; syscall?: string };
  // a name the HTTP layer refused to put in a request path (the callers check names first)
  if (e.code === 'ERR_UNESCAPED_CHARACTERS') return new UserError(`${stage}: a name with characters no engine request can carry: ${oneLine(err)}`);
  if (typeof e.statusCode === 'number') return new UserError(`${stage}: the engine answered ${e.statusCode}: ${oneLine(err)}`);
  if (e.code && ENVIRONMENT.has(e.code)) return new UserError(`${stage}: ${e.code}${e.path ? ` on ${e.path}` : ''}: ${oneLine(err)}`);
  if (e.code && CONNECTION.has(e.code) && (e.syscall === 'connect' || e.syscall === 'write' || e.syscall === 'read' || !e.path)) {
    return new UserError(`${stage}: lost the Docker engine (${e.code}): ${oneLine(err)}`);
  }
  return err;
}
