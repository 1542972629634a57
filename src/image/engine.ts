// The engine source: `docker save` streamed into a private temp dir, each member written to
// a file while it is hashed, so nothing is read twice and nothing is held in memory.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { UserError } from '../util/errors.js';
import { extractTarStream, type MapStore } from './store.js';
import type { TmpDir } from './tmpdir.js';

/** A failed inspect or export of image `name`, as the one-line error the user should see. */
export function exportError(err: unknown, name: string): Error {
  const e = err as { statusCode?: number; code?: string; message?: string; json?: { message?: string } };
  if (e.statusCode === 404) return new UserError(`image "${name}" not found in the engine`);
  if (e.code === 'ECONNREFUSED' || e.code === 'ENOENT' || e.code === 'EACCES') {
    return new UserError(`cannot reach the Docker engine (${e.code}); is it running?`);
  }
  if (e.statusCode) return new UserError(`the engine refused to export "${name}": ${e.json?.message ?? e.message}`);
  return err as Error;
}

export async function saveFromEngine(name: string, docker: Dockerode, tmp: TmpDir): Promise<MapStore> {
  const image = docker.getImage(name);
  try {
    await image.inspect();
  } catch (err) {
    throw exportError(err, name);
  }
  let stream: NodeJS.ReadableStream;
  try {
    stream = await image.get();
  } catch (err) {
    throw exportError(err, name);
  }
  const dir = join(tmp.path(), 'save');
  mkdirSync(dir);
  try {
    return await extractTarStream(stream as AsyncIterable<Buffer>, dir, `engine image "${name}"`);
  } catch (err) {
    (stream as unknown as { destroy?: () => void }).destroy?.();
    throw err;
  }
}
