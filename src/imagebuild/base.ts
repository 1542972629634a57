// --from IMAGE: the base image read through readImage, with its merged filesystem indexed so
// the new layer can skip what the base already has and respect its directories and links.
import type Dockerode from 'dockerode';
import { buildIndex } from '../image/fsindex.js';
import { formatPlatform } from '../image/platform.js';
import { readImage } from '../image/read.js';
import type { FsIndex, Image, Platform } from '../image/types.js';
import { UserError } from '../util/errors.js';

export interface BaseImage {
  image: Image;
  /** The merged filesystem (metadata only; no content is read). */
  index: FsIndex;
  close(): Promise<void>;
}

export async function openBase(ref: string, platform: Platform, docker?: Dockerode): Promise<BaseImage> {
  const p = formatPlatform(platform);
  const image = await readImage(ref, { platform: p, docker });
  try {
    const arch = image.config.architecture;
    if (arch !== platform.architecture || (image.config.os ?? 'linux') !== platform.os) {
      throw new UserError(`--from ${ref}: the image is ${image.config.os}/${arch}, the executables are ${p}`);
    }
    const index = await buildIndex(image);
    return { image, index, close: () => image.close() };
  } catch (err) {
    await image.close();
    throw err;
  }
}
