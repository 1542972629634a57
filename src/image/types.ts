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

export interface Layer {
  /** Digest of the blob as stored (compressed or not). */
  readonly digest: string;
  /** sha256 of the uncompressed tar. */
  readonly diffId: string;
  /** Size of the blob as stored. */
  readonly size: number;
  readonly mediaType: string;
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

export interface Image {
  /** How the user named it (engine ref, path...). */
  readonly ref: string;
  readonly manifest: Manifest;
  readonly config: ImageConfig;
  /** The exact config bytes (its sha256 is the image id). */
  readonly rawConfig: Buffer;
  readonly configDigest: string;
  readonly layers: readonly Layer[];
  /** The image's own name recorded in a file input (docker-archive RepoTags, OCI name annotation), if any. */
  readonly name?: string;
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
