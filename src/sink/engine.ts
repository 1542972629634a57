// Engine sink: streams a tar of the image's layout, made from its blobs as they are read, straight
// into the engine's image load (no archive file, no layout on disk), then makes sure the tag
// points at the image. Any image goes: a written one, one read from an archive or an engine.
import { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { docker as engineClient } from '../engine/docker.js';
import { parseLoadOutput, readLoadOutput } from '../engine/load-output.js';
import { isPodman } from '../engine/podman.js';
import { layoutTar } from '../oci/layouttar.js';
import { manifestDescriptor } from '../oci/layout.js';
import { parseRefName } from '../oci/refname.js';
import type { StoredImage } from '../image/types.js';
import { oneLine, UserError } from '../util/errors.js';

/** The layout's OCI files: without them its tar is a docker-archive (manifest.json). */
const DOCKER_ARCHIVE_OMITS: ReadonlySet<string> = new Set(['index.json', 'oci-layout']);

export async function sendToEngine(image: StoredImage, tag: string, docker?: Dockerode): Promise<{ where: string; imageId: string }> {
  const ref = parseRefName(tag);
  const d = docker ?? engineClient();
  // podman loads a tar with an OCI index as an OCI image, and then ignores its HEALTHCHECK (a
  // docker field of the config): it gets the docker-archive the same tar holds
  const omit = (await isPodman(d)) ? DOCKER_ARCHIVE_OMITS : undefined;
  const body = Readable.from(layoutTar(image, ref.familiar, omit), { objectMode: false });
  let out: string;
  try {
    out = await readLoadOutput(await d.loadImage(body, { quiet: true }));
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
    const loaded = res.ids[0] ?? image.configDigest;
    const id = (await inspectId(loaded)) ?? (await inspectId(manifestDescriptor(image).digest));
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
