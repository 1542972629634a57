// File sinks: an OCI layout directory, or a deterministic tar of one (oci-archive).
import { createWriteStream } from 'node:fs';
import { copyFile, link, mkdir, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { layoutTar } from '../oci/layouttar.js';
import { renamedIndexFiles } from '../oci/layout.js';
import { normaliseRefName } from '../oci/refname.js';
import type { WrittenImage } from '../oci/types.js';
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

/** Naming files to write instead of the layout's own when the sink gives another tag. */
async function renamed(written: WrittenImage, tag?: string): Promise<Map<string, Buffer> | undefined> {
  if (!tag) return undefined;
  const t = normaliseRefName(tag);
  return t === written.refName ? undefined : renamedIndexFiles(written.layoutDir, t);
}

/** Hardlinks a blob when on the same file system (blobs are immutable), else copies it. */
async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to);
  }
}

async function copyTree(from: string, to: string, replace?: Map<string, Buffer>, top = true): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const name of (await readdir(from)).sort()) {
    const src = join(from, name);
    const dst = join(to, name);
    const bytes = top ? replace?.get(name) : undefined;
    if (bytes) await writeFile(dst, bytes);
    else if ((await stat(src)).isDirectory()) await copyTree(src, dst, undefined, false);
    else await linkOrCopy(src, dst);
  }
}

export async function sendToOciDir(written: WrittenImage, path: string, tag?: string): Promise<{ where: string }> {
  const abs = resolve(path);
  const st = await statOrNull(abs);
  if (st && !st.isDirectory()) throw new UserError(`oci-dir: ${path} exists and is not a directory`);
  if (st && (await readdir(abs)).length > 0) throw new UserError(`oci-dir: ${path} exists and is not empty`);
  const replace = await renamed(written, tag);
  const tmp = siblingTemp(abs);
  try {
    await mkdir(dirname(abs), { recursive: true });
    await copyTree(written.layoutDir, tmp, replace);
    if (st) await rmdir(abs);
    await rename(tmp, abs);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw new UserError(`oci-dir: writing ${path} failed: ${oneLine(err)}`);
  }
  return { where: abs };
}

export async function sendToOciArchive(written: WrittenImage, path: string, tag?: string): Promise<{ where: string }> {
  const abs = resolve(path);
  const st = await statOrNull(abs);
  if (st?.isDirectory()) throw new UserError(`oci-archive: ${path} is a directory`);
  const parent = await statOrNull(dirname(abs));
  if (!parent?.isDirectory()) throw new UserError(`oci-archive: directory ${dirname(path)} does not exist`);
  const replace = await renamed(written, tag);
  const tmp = siblingTemp(abs);
  try {
    await pipeline(Readable.from(layoutTar(written.layoutDir, replace), { objectMode: false }), createWriteStream(tmp, { flush: true }));
    await rename(tmp, abs);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new UserError(`oci-archive: writing ${path} failed: ${oneLine(err)}`);
  }
  return { where: abs };
}
