// Engine sink: streams a tar of the layout straight into the engine's image load (no archive
// file), then makes sure the tag points at the image.
import { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { docker as engineClient } from '../engine/docker.js';
import { isPodman } from '../engine/podman.js';
import { layoutTar } from '../oci/layouttar.js';
import { renamedIndexFiles } from '../oci/layout.js';
import { parseRefName } from '../oci/refname.js';
import type { WrittenImage } from '../oci/types.js';
import { oneLine, UserError } from '../util/errors.js';

interface LoadMessage {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/** The layout's OCI files: without them its tar is a docker-archive (manifest.json). */
const DOCKER_ARCHIVE_OMITS: ReadonlySet<string> = new Set(['index.json', 'oci-layout']);

async function readAll(s: NodeJS.ReadableStream): Promise<string> {
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

export async function sendToEngine(written: WrittenImage, tag: string, docker?: Dockerode): Promise<{ where: string; imageId: string }> {
  const ref = parseRefName(tag);
  const d = docker ?? engineClient();
  const replace = written.refName === ref.familiar ? undefined : await renamedIndexFiles(written.layoutDir, ref.familiar);
  // podman loads a tar with an OCI index as an OCI image, and then ignores its HEALTHCHECK (a
  // docker field of the config): it gets the docker-archive the same tar holds
  const omit = (await isPodman(d)) ? DOCKER_ARCHIVE_OMITS : undefined;
  const body = Readable.from(layoutTar(written.layoutDir, replace, omit), { objectMode: false });
  let out: string;
  try {
    out = await readAll(await d.loadImage(body, { quiet: true }));
  } catch (err) {
    body.destroy();
    throw new UserError(`engine: loading ${ref.familiar} failed: ${oneLine(err)}`);
  }
  const res = parseLoadOutput(out);
  if (res.error) throw new UserError(`engine: loading ${ref.familiar} failed: ${oneLine(res.error)}`);

  const inspectId = async (name: string): Promise<string | undefined> => {
    try {
      return ((await d.getImage(name).inspect()) as { Id: string }).Id;
    } catch {
      return undefined;
    }
  };
  let imageId = await inspectId(ref.familiar);
  if (!imageId) {
    // Engines that load by digest only (or drop names) leave the tag to us.
    const loaded = res.ids[0] ?? written.configDigest;
    const id = (await inspectId(loaded)) ?? (await inspectId(written.manifestDigest));
    if (!id) throw new UserError(`engine: loaded ${ref.familiar} but cannot find the image (${oneLine(out) || 'no output'})`);
    const repo = ref.familiar.slice(0, ref.familiar.length - ref.tag.length - 1);
    try {
      await d.getImage(id).tag({ repo, tag: ref.tag });
    } catch (err) {
      throw new UserError(`engine: tagging ${id} as ${ref.familiar} failed: ${oneLine(err)}`);
    }
    imageId = id;
  }
  return { where: ref.familiar, imageId };
}
