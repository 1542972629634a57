// The image config of an engine image from the engine's inspect answer, in the engine's own
// config-file shape: the keys docker writes (sorted, as its marshalling sorts them), the
// fields it omits when empty omitted. The engine has no API for the raw config bytes short of
// exporting the whole image; history and rootfs are placeholders (the output replaces both).
import type Docker from 'dockerode';
import type { ImageConfig } from './types.js';

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
