// Moving files in and out of a container through the engine's archive API (no bind mounts,
// so this works against a remote engine too).
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import * as tar from 'tar-stream';
import { UserError } from '../util/errors.js';
import { SLIMTS_DIR } from './spec.js';

/**
 * A tar holding /.slimts/ and the sensor. Root's only: every sensor (main, exec probes, health
 * checks) starts as root and opens its trace before it drops to the app's user, and a non-root
 * app must not read or write it (a root app is kept out by the sensor's mount namespace).
 */
export async function sensorTar(sensorPath: string): Promise<Buffer> {
  const bin = await readFile(sensorPath).catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'ENOENT' ? new UserError(`sensor not found at ${sensorPath} (run: make -C sensors)`) : err;
  });
  const pack = tar.pack();
  const mtime = new Date();
  const dir = SLIMTS_DIR.slice(1);
  pack.entry({ name: `${dir}/`, type: 'directory', mode: 0o700, uid: 0, gid: 0, mtime });
  pack.entry({ name: `${dir}/slimts-sensor`, type: 'file', mode: 0o755, uid: 0, gid: 0, mtime }, bin);
  pack.finalize();
  return streamToBuffer(pack as unknown as Readable);
}

/** Puts the sensor into a created (not yet started) container. */
export async function injectSensor(container: Docker.Container, sensorPath: string): Promise<void> {
  await container.putArchive(await sensorTar(sensorPath), { path: '/' });
}

/**
 * Extracts the container's `path` directory into `dest` (flattened: "<base>/x" → dest/x),
 * skipping names for which `skip` is true. Returns the written file names.
 */
export async function extractDir(container: Docker.Container, path: string, dest: string, skip: (name: string) => boolean): Promise<string[]> {
  const stream = (await container.getArchive({ path })) as unknown as Readable;
  const extract = tar.extract();
  const written: string[] = [];
  extract.on('entry', (header, body, next) => {
    const rel = header.name.split('/').slice(1).join('/');
    const safe = rel && !normalize(rel).startsWith('..') && !rel.startsWith('/');
    if (header.type !== 'file' || !safe || skip(rel)) {
      body.on('end', () => next());
      body.resume();
      return;
    }
    const out = join(dest, rel);
    mkdir(join(out, '..'), { recursive: true })
      .then(() => pipeline(body as unknown as Readable, createWriteStream(out)))
      .then(() => {
        written.push(rel);
        next();
      }, next);
  });
  await pipeline(stream, extract as unknown as NodeJS.WritableStream);
  return written.sort();
}

/**
 * True when `path` exists in the container (works on stopped ones and without any tool in the
 * image). Uses GET and drains the small answer: docker-modem leaves HEAD sockets open.
 */
export async function pathExists(container: Docker.Container, path: string): Promise<boolean> {
  try {
    const stream = (await container.getArchive({ path })) as unknown as Readable;
    await streamToBuffer(stream);
    return true;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw err;
  }
}

export async function streamToBuffer(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

export async function isFile(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isFile(), () => false);
}
