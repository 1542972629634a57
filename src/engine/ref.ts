// An engine image reference checked before it goes into a request path: the engine client
// would otherwise fail inside Node's HTTP layer (ERR_UNESCAPED_CHARACTERS) with a stack trace.
// Only what no engine accepts is refused here (the engine judges the rest in its own words):
// whitespace, control characters, and characters outside the reference grammar's alphabet.
import { UserError } from '../util/errors.js';

// name components, tag, digest, image id, registry host and port, IPv6 brackets
const REFERENCE_CHARS = /^[A-Za-z0-9._\-/:@+=\[\]]+$/;

/** Throws `invalid image name "<ref>": ...` (the user's own words) for a name no engine can take. */
export function checkEngineRef(ref: string): void {
  if (ref.trim() === '') throw new UserError(`invalid image name "${ref}": empty`);
  const bad = [...ref].find((ch) => !REFERENCE_CHARS.test(ch));
  if (bad === undefined) return;
  const what = /\s/.test(bad) ? 'contains whitespace' : /[\x00-\x1f\x7f]/.test(bad) ? 'contains a control character' : `contains "${bad}"`;
  throw new UserError(`invalid image name ${JSON.stringify(ref)}: ${what} (an engine image is NAME[:TAG][@DIGEST]; a file is a path that exists)`);
}
