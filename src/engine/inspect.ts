// An image's inspect answer, whole whichever engine gives it. Podman's Docker API (4.3) leaves
// Config.Healthcheck out, though the image holds one: a slim image built from that answer would
// lose its HEALTHCHECK, and the runs would not probe with it.
import type Docker from 'dockerode';
import { isPodman, podmanHealthcheck } from './podman.js';

/** `d.getImage(ref).inspect()`, with what podman's Docker API leaves out taken from its own. */
export async function inspectImageInfo(d: Docker, ref: string): Promise<Docker.ImageInspectInfo> {
  const info = await d.getImage(ref).inspect();
  if (info.Config?.Healthcheck || !(await isPodman(d))) return info;
  const health = await podmanHealthcheck(d, info.Id);
  return health ? { ...info, Config: { ...info.Config, Healthcheck: health } } : info;
}
