// Loads an image read from a file (archive, OCI layout) into the engine so it can be run:
// streamed as a docker-archive (manifest.json + config + uncompressed layers, which every
// engine since 1.10 loads), under a throwaway name and labelled with its owner (as run
// containers are), so the leftover of a killed build is removed by the next run. Nothing is
// held in memory.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { Image } from './types.js';
import { parseLoadOutput, readLoadOutput } from '../engine/load-output.js';
import { encodeHeader, padding, ZEROS } from '../tar/index.js';
import { OWNER_LABEL, orphaned, ownerId } from '../engine/reaper.js';
import { docker } from '../engine/docker.js';
import { oneLine, UserError } from '../util/errors.js';

/** Prefix of the throwaway names (NAME:tmp). */
export const THROWAWAY_REPO = 'slimts-input';

/** The config bytes with `labels` added (every other field kept; the image id changes, so no user image is shared). */
function labelledConfig(raw: Buffer, labels: Record<string, string>): Buffer {
  const cfg = JSON.parse(raw.toString('utf8')) as { config?: { Labels?: Record<string, string> | null } | null };
  const inner = cfg.config ?? {};
  cfg.config = { ...inner, Labels: { ...(inner.Labels ?? {}), ...labels } };
  return Buffer.from(JSON.stringify(cfg));
}

function fileHeader(name: string, size: number): Buffer {
  return encodeHeader({ name, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, size });
}

function* small(name: string, bytes: Buffer): Generator<Buffer> {
  yield fileHeader(name, bytes.length);
  yield bytes;
  if (padding(bytes.length)) yield ZEROS.subarray(0, padding(bytes.length));
}

/** The image as a docker-archive tar stream naming `tag`. Layers are the verified uncompressed tars. */
async function* dockerArchive(image: Image, tag: string, config: Buffer): AsyncGenerator<Buffer> {
  const layers = image.layers.map((_, i) => `layers/${i}.tar`);
  yield* small('manifest.json', Buffer.from(JSON.stringify([{ Config: 'config.json', RepoTags: [tag], Layers: layers }])));
  yield* small('config.json', config);
  for (const [i, layer] of image.layers.entries()) {
    const tar = await layer.seekable();
    yield fileHeader(layers[i]!, tar.size);
    if (tar.size > 0) {
      for await (const c of createReadStream(tar.path, { start: tar.offset, end: tar.offset + tar.size - 1, highWaterMark: 1 << 20 })) {
        yield c as Buffer;
      }
    }
    if (padding(tar.size)) yield ZEROS.subarray(0, padding(tar.size));
  }
  yield ZEROS;
}

/** Loads `image` as `tag` (NAME:TAG) with the throwaway label; returns the engine's image id. */
export async function loadInput(image: Image, tag: string): Promise<string> {
  const d = docker();
  const body = Readable.from(dockerArchive(image, tag, labelledConfig(image.rawConfig, { [OWNER_LABEL]: ownerId() })), { objectMode: false });
  let out: string;
  try {
    out = await readLoadOutput(await d.loadImage(body, { quiet: true }));
  } catch (err) {
    body.destroy();
    if (err instanceof UserError) throw err;
    throw new UserError(`engine: loading ${image.ref} failed: ${oneLine(err)}`);
  }
  const res = parseLoadOutput(out);
  if (res.error) throw new UserError(`engine: loading ${image.ref} failed: ${oneLine(res.error)}`);
  try {
    return (await d.getImage(tag).inspect()).Id;
  } catch (err) {
    throw new UserError(`engine: loaded ${image.ref} but cannot find it as ${tag}: ${oneLine(err)}`);
  }
}

/** Removes a throwaway image (its containers are gone by then). */
export async function removeThrowaway(tag: string): Promise<void> {
  await docker().getImage(tag).remove({ force: true }).catch(() => undefined);
}

/** A tag of ours (podman names what it loads localhost/NAME, or docker.io/NAME), or none. */
function isThrowawayTag(t: string): boolean {
  return t.replace(/^(localhost|docker\.io)\//, '').startsWith(`${THROWAWAY_REPO}/`) || t === '<none>:<none>';
}

/** Removes throwaway images whose owner on this host is gone (a build killed by SIGKILL). */
export async function removeOrphanedThrowaways(): Promise<void> {
  const d = docker();
  const images = await d.listImages({ filters: JSON.stringify({ label: [OWNER_LABEL] }) }).catch(() => []);
  await Promise.all(images
    .filter((i) => orphaned(i.Labels?.[OWNER_LABEL]) && (i.RepoTags ?? []).every(isThrowawayTag))
    .map((i) => d.getImage(i.Id).remove({ force: true }).catch(() => undefined)));
}
