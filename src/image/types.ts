// The image model every command reads and writes through: small immutable shapes,
// in the spirit of go-containerregistry (Image, Layer, Descriptor).
import type { Readable } from 'node:stream';
import type { TarEntry } from '../tar/entry.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string; // "sha256:<hex>"
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
}

export interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** The "config" object of an image config. Unknown fields are kept verbatim. */
export interface ContainerConfig {
  User?: string;
  Env?: string[] | null;
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  WorkingDir?: string;
  ExposedPorts?: Record<string, object> | null;
  Volumes?: Record<string, object> | null;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  Healthcheck?: HealthConfig;
  Shell?: string[];
  OnBuild?: string[] | null;
  [key: string]: unknown;
}

export interface History {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  created?: string;
  config?: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: History[];
  [key: string]: unknown;
}

/**
 * A blob as stored: what every sink writes of a layer (go-containerregistry's
 * `Layer.Compressed`), and all an artifact's blob is.
 */
export interface StoredBlob {
  /** Digest of the blob as stored (compressed or not). */
  readonly digest: string;
  /** Size of the blob as stored. */
  readonly size: number;
  readonly mediaType: string;
  /** The blob's bytes as stored (gzip, zstd or a plain tar), streamed; checked against `digest` as they pass when the source has not yet. */
  compressed(): Promise<Readable>;
}

export interface Layer extends StoredBlob {
  /** sha256 of the uncompressed tar. */
  readonly diffId: string;
  /** The uncompressed tar, streamed. */
  open(): Promise<Readable>;
  /**
   * A local file holding the uncompressed tar from `offset` for `size` bytes, for random
   * access to entry contents. Compressed layers are decompressed to a temp file once.
   */
  seekable(): Promise<SeekableTar>;
}

export interface SeekableTar {
  path: string;
  offset: number;
  size: number;
}

/**
 * What a sink reads of an image (go-containerregistry's remote/layout/tarball.Write over a
 * v1.Image): the manifest and config as their exact bytes, the layers as stored blobs. Every
 * Image is one, whatever its source; so is an artifact (src/sink/referrer.ts).
 */
export interface StoredImage {
  readonly manifest: Manifest;
  /** The exact manifest bytes (its sha256 is the manifest digest). */
  readonly rawManifest: Buffer;
  /** The exact config bytes (its sha256 is the image id). */
  readonly rawConfig: Buffer;
  readonly configDigest: string;
  readonly layers: readonly StoredBlob[];
  /** The image's own name (a written image's NAME:TAG; a file input's docker-archive RepoTags or OCI name annotation), if any. */
  readonly name?: string;
}

export interface Image extends StoredImage {
  /** How the user named it (engine ref, path...). */
  readonly ref: string;
  readonly config: ImageConfig;
  readonly layers: readonly Layer[];
  /** Removes any temp files the source made. Idempotent. */
  close(): Promise<void>;
}

export type { EntryType, TarEntry } from '../tar/entry.js';

/** An entry of the merged filesystem, with where its bytes live. */
export interface FsEntry extends TarEntry {
  /** Index into image.layers of the layer this entry comes from. */
  layer: number;
  /**
   * For files and hardlinks: where the content bytes are (a hardlink points at its
   * target's content, even if a later layer replaced the target).
   */
  content?: { layer: number; offset: number; size: number };
}

export interface FsIndex {
  readonly size: number;
  get(path: string): FsEntry | undefined;
  /** Direct children of a directory path. */
  children(dir: string): FsEntry[];
  /** Every entry, sorted by path. */
  entries(): Iterable<FsEntry>;
  /** All paths sharing the content of a hardlinked file (including itself), or [path]. */
  hardlinkGroup(path: string): string[];
}
