// An engine image's inspect answer as the image model: `inspectImage` (pulling when asked) for
// the runs, and `configFromInspect`, the image config of an engine image from that answer in the engine's own
// config-file shape: the keys docker writes (sorted, as its marshalling sorts them), the
// fields it omits when empty omitted. The engine has no API for the raw config bytes short of
// exporting the whole image; history and rootfs are placeholders (the output replaces both).
import type Docker from 'dockerode';
import { docker, engineReachable, pullImage, statusOf } from '../engine/docker.js';
import { inspectImageInfo } from '../engine/inspect.js';
import { UserError } from '../util/errors.js';
import type { ContainerConfig, ImageConfig } from './types.js';

export function configFromInspect(info: Docker.ImageInspectInfo): ImageConfig {
  const i = info as Docker.ImageInspectInfo & { Variant?: string; Comment?: string; Author?: string };
  const all: Record<string, unknown> = {
    architecture: i.Architecture,
    author: i.Author || undefined,
    comment: i.Comment || undefined,
    config: i.Config,
    container: i.Container || undefined,
    container_config: i.Container ? i.ContainerConfig : undefined,
    created: i.Created,
    docker_version: i.DockerVersion || undefined,
    history: [],
    os: i.Os,
    rootfs: { type: 'layers', diff_ids: i.RootFS?.Layers ?? [] },
    variant: i.Variant || undefined,
  };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(all)) if (v !== undefined) out[k] = v;
  return out as unknown as ImageConfig;
}

export interface InspectImageOptions {
  /** Pull the image when the engine does not have it. */
  pull?: boolean;
  onProgress?: (message: string) => void;
}

export interface InspectedImage {
  /** The engine's image id ("sha256:..."). */
  id: string;
  ref: string;
  config: ImageConfig;
}

/** Inspects `ref` in the engine (pulling it first if asked and missing). */
export async function inspectImage(ref: string, opts: InspectImageOptions = {}): Promise<InspectedImage> {
  await engineReachable();
  let info: Docker.ImageInspectInfo;
  try {
    info = await inspectImageInfo(docker(), ref);
  } catch (err) {
    if (statusOf(err) !== 404) throw err;
    if (!opts.pull) throw new UserError(`image "${ref}" not found; use --pull to pull it`);
    opts.onProgress?.(`pulling ${ref}`);
    await pullImage(ref);
    info = await inspectImageInfo(docker(), ref);
  }
  return { id: info.Id, ref, config: toImageConfig(info) };
}

/** The image config in OCI/docker config-file shape, from an engine inspect answer. */
function toImageConfig(info: Docker.ImageInspectInfo): ImageConfig {
  const c = (info.Config ?? {}) as unknown as ContainerConfig;
  return {
    architecture: info.Architecture,
    os: info.Os,
    ...((info as unknown as { Variant?: string }).Variant ? { variant: (info as unknown as { Variant: string }).Variant } : {}),
    created: info.Created,
    config: c,
    rootfs: { type: 'layers', diff_ids: info.RootFS?.Layers ?? [] },
  };
}
