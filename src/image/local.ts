// An Image over blobs in local files: what every reader (engine save, archives, layouts) and
// the writer (its own layout) give. Its layers stream their blobs and tars, checked as they pass.
import type { ImageParts } from './blobs.js';
import { releaseContent } from './fdcache.js';
import { BlobLayer } from './layer.js';
import type { TmpDir } from './tmpdir.js';
import type { Image, ImageConfig, Layer, Manifest } from './types.js';

export class LocalImage implements Image {
  readonly manifest: Manifest;
  readonly rawManifest: Buffer;
  readonly config: ImageConfig;
  readonly rawConfig: Buffer;
  readonly configDigest: string;
  readonly layers: readonly Layer[];
  readonly name?: string;
  private closed = false;

  /** `release` removes what else the source made (the writer's layout), after the temp dir. */
  constructor(
    readonly ref: string,
    parts: ImageParts,
    private readonly tmp: TmpDir,
    private readonly release?: () => Promise<void>,
  ) {
    this.manifest = parts.manifest;
    this.rawManifest = parts.rawManifest;
    this.config = parts.config;
    this.rawConfig = parts.rawConfig;
    this.configDigest = parts.configDigest;
    if (parts.name) this.name = parts.name;
    this.layers = parts.layers.map((l) => new BlobLayer(l, tmp));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    releaseContent(this);
    this.tmp.remove();
    await this.release?.();
  }
}
