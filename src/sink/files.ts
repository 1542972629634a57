// File sinks: an image written as an OCI layout directory, or as a deterministic tar of one
// (oci-archive), from its blobs as they stream: any image goes, written or read.
import { createWriteStream, ReadStream } from 'node:fs';
import { link, mkdir, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import type { StoredImage } from '../image/types.js';
import { layoutMembers, memberBytes } from '../oci/layout-members.js';
import { layoutTar } from '../oci/layouttar.js';
import { normaliseRefName } from '../oci/refname.js';
import { oneLine, UserError } from '../util/errors.js';

const siblingTemp = (path: string) => join(dirname(path), `.${basename(path)}.slimts-${process.pid}-${randomBytes(4).toString('hex')}`);

async function statOrNull(path: string) {
  try {
    return await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** The name the layout records: the sink's tag, else the image's own (unnamed when that is no NAME[:TAG]). */
function nameOf(image: StoredImage, tag?: string): string | undefined {
  if (tag !== undefined) return normaliseRefName(tag);
  try {
    return image.name === undefined ? undefined : normaliseRefName(image.name);
  } catch {
    return undefined;
  }
}

/**
 * A blob the source gives as a plain stream of one whole local file is hard-linked (blobs are
 * immutable: no copy of a big base): only verified blobs come so, unverified ones through
 * their digest check. Anything else, or another file system, is streamed.
 */
async function linked(src: Readable | Buffer, size: number, to: string): Promise<boolean> {
  if (!(src instanceof ReadStream) || typeof src.path !== 'string') return false;
  const range = src as unknown as { start?: number; end?: number };
  if ((range.start ?? 0) !== 0 || (range.end !== undefined && range.end !== size - 1)) return false;
  if ((await stat(src.path).catch(() => undefined))?.size !== size) return false;
  try {
    await link(src.path, to);
    return true;
  } catch {
    return false;
  }
}

/** The layout's members written under `dir`, each blob linked or streamed to its file. */
async function writeLayout(image: StoredImage, dir: string, refName?: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const m of layoutMembers(image, refName)) {
    const path = join(dir, m.rel);
    if (m.dir) {
      await mkdir(path, { recursive: true });
      continue;
    }
    const src = await m.bytes!();
    if (await linked(src, m.size, path)) (src as Readable).destroy();
    else await pipeline(Readable.from(memberBytes(m, src), { objectMode: false }), createWriteStream(path));
  }
}

export async function sendToOciDir(image: StoredImage, path: string, tag?: string): Promise<{ where: string }> {
  const abs = resolve(path);
  const st = await statOrNull(abs);
  if (st && !st.isDirectory()) throw new UserError(`oci-dir: ${path} exists and is not a directory`);
  if (st && (await readdir(abs)).length > 0) throw new UserError(`oci-dir: ${path} exists and is not empty`);
  const refName = nameOf(image, tag);
  const tmp = siblingTemp(abs);
  try {
    await mkdir(dirname(abs), { recursive: true });
    await writeLayout(image, tmp, refName);
    if (st) await rmdir(abs);
    await rename(tmp, abs);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw new UserError(`oci-dir: writing ${path} failed: ${oneLine(err)}`);
  }
  return { where: abs };
}

export async function sendToOciArchive(image: StoredImage, path: string, tag?: string): Promise<{ where: string }> {
  const abs = resolve(path);
  const st = await statOrNull(abs);
  if (st?.isDirectory()) throw new UserError(`oci-archive: ${path} is a directory`);
  const parent = await statOrNull(dirname(abs));
  if (!parent?.isDirectory()) throw new UserError(`oci-archive: directory ${dirname(path)} does not exist`);
  const refName = nameOf(image, tag);
  const tmp = siblingTemp(abs);
  try {
    await pipeline(Readable.from(layoutTar(image, refName), { objectMode: false }), createWriteStream(tmp, { flush: true }));
    await rename(tmp, abs);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new UserError(`oci-archive: writing ${path} failed: ${oneLine(err)}`);
  }
  return { where: abs };
}
