// Moving files in and out of a container through the engine's archive API (no bind mounts,
// so this works against a remote engine too).
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { ChunkSource, TarFormatError, iterateTar, tarOf } from '../tar/index.js';
import { UserError } from '../util/errors.js';
import { SLIMTS_DIR } from './spec.js';

/**
 * A tar holding /.slimts/ and the sensor. Root's only: every sensor (main, exec probes, health
 * checks) starts as root and opens its trace before it drops to the app's user, and a non-root
 * app must not read or write it (a root app is kept out by the sensor's mount namespace).
 */
async function sensorTar(sensorPath: string): Promise<Buffer> {
  const bin = await readFile(sensorPath).catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'ENOENT' ? new UserError(`sensor not found at ${sensorPath} (run: make -C sensors)`) : err;
  });
  const mtime = Math.floor(Date.now() / 1000);
  const dir = SLIMTS_DIR.slice(1);
  return tarOf([
    { header: { name: `${dir}/`, type: 'dir', mode: 0o700, uid: 0, gid: 0, mtime } },
    { header: { name: `${dir}/slimts-sensor`, type: 'file', mode: 0o755, uid: 0, gid: 0, mtime }, body: bin },
  ]);
}

/** Puts the sensor into a created (not yet started) container. */
export async function injectSensor(container: Docker.Container, sensorPath: string): Promise<void> {
  await container.putArchive(await sensorTar(sensorPath), { path: '/' });
}

/** What a copy out of a container may bring back: every bound is the host's disk's. */
export interface CopyLimits {
  /** Bytes of one file. */
  fileBytes: number;
  /** Bytes of all files together. */
  totalBytes: number;
  files: number;
}

/**
 * Copies the regular files of the container's `path` directory that `accept` names (flattened:
 * "<base>/x" → dest/x; only top-level names, so nothing decides a host path) into `dest`,
 * streaming each to its file. A file over the limits fails the copy with a one-line error
 * rather than fill the disk. Returns the written names, sorted.
 */
export async function extractDir(container: Docker.Container, path: string, dest: string, accept: (name: string) => boolean, limits: CopyLimits): Promise<string[]> {
  const stream = (await container.getArchive({ path })) as unknown as Readable;
  const src = new ChunkSource(stream as AsyncIterable<Buffer>);
  const written: string[] = [];
  let total = 0;
  const where = `the container's ${path}`;
  try {
    for await (const e of iterateTar(src)) {
      const parts = e.name.split('/').filter((p) => p !== '' && p !== '.');
      const name = parts.length === 2 ? parts[1]! : '';
      if ((e.typeflag !== '0' && e.typeflag !== '7') || !accept(name) || written.includes(name)) continue;
      if (written.length >= limits.files) throw new UserError(`${where} holds more than ${limits.files} files`);
      if (e.size > limits.fileBytes) throw new UserError(`${where}/${name} is ${e.size} bytes, over the ${limits.fileBytes}-byte limit`);
      total += e.size;
      if (total > limits.totalBytes) throw new UserError(`${where} holds more than ${limits.totalBytes} bytes`);
      const out = createWriteStream(join(dest, name), { flags: 'wx' });
      const done = new Promise<void>((resolve, reject) => out.on('finish', resolve).on('error', reject));
      await src.copy(e.size, (chunk) => (out.write(chunk) ? undefined : new Promise<void>((r) => out.once('drain', () => r()))));
      out.end();
      await done;
      written.push(name);
    }
    await src.drain();
  } catch (err) {
    stream.destroy();
    if (err instanceof TarFormatError) throw new UserError(`${where} came back as a malformed archive: ${err.message}`);
    throw err;
  }
  return written.sort();
}

/**
 * True when `path` exists in the container (works on stopped ones and without any tool in the
 * image). Uses GET and drains the small answer: docker-modem leaves HEAD sockets open.
 */
export async function pathExists(container: Docker.Container, path: string): Promise<boolean> {
  try {
    const stream = (await container.getArchive({ path })) as unknown as Readable;
    for await (const _ of stream); // drained, not held: whatever is there may be large
    return true;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw err;
  }
}

/**
 * A small file of the container's (the sensor's ports file): its first `maxBytes` as text, or
 * undefined when it is not there (yet). Bounded: the app cannot make it big, but nothing read
 * from a container is trusted to be small.
 */
export async function readSmallFile(container: Docker.Container, path: string, maxBytes: number): Promise<string | undefined> {
  let stream: Readable;
  try {
    stream = (await container.getArchive({ path })) as unknown as Readable;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
  const src = new ChunkSource(stream as AsyncIterable<Buffer>);
  let text: string | undefined;
  try {
    for await (const e of iterateTar(src)) {
      if (text !== undefined || e.typeflag !== '0') continue;
      const parts: Buffer[] = [];
      let got = 0;
      await src.copy(e.size, (chunk) => {
        if (got < maxBytes) parts.push(chunk.subarray(0, maxBytes - got));
        got += chunk.length;
      });
      text = Buffer.concat(parts).toString('utf8');
    }
    await src.drain();
  } catch (err) {
    stream.destroy();
    if (err instanceof TarFormatError) return undefined;
    throw err;
  }
  return text;
}
