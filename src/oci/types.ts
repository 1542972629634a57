// What the image writer takes: entries of the one new layer, and the config to keep.
import type { Readable } from 'node:stream';
import type { History, Image, ImageConfig, Layer, TarEntry } from '../image/types.js';
import type { Range } from '../trace/ranges.js';

/** An entry to write. Files give their bytes lazily so nothing is held in memory. */
export interface WriteEntry extends Omit<TarEntry, 'dataOffset'> {
  /** Regular files: opens exactly `size` bytes of content. */
  open?: () => Promise<Readable> | Readable;
}

export interface NewImage {
  /** Kept verbatim except rootfs, history and created, which the writer sets. */
  config: ImageConfig;
  /** The history entry describing what made the layer. */
  history: History;
  /** Entries in any order; the writer sorts them (parents first, hardlinks after targets). */
  entries: Iterable<WriteEntry> | AsyncIterable<WriteEntry>;
  /** Reference name for index.json / the engine tag, e.g. "myapp.slim:latest". */
  refName?: string;
  /** gzip the layer blob. writeImage defaults to false; pick with sink's wantsGzip(spec): false for the engine, true for files and registries. */
  gzip?: boolean;
  /** Write the layer as eStargz (gzip members, TOC, footer; implies gzip), ordered for prefetch. */
  estargz?: EstargzLayerOptions;
  /** Layers under the new one (a base image's), written as they are, uncompressed. */
  lower?: LowerLayers;
}

/** Layers a new layer is stacked on, with what the config says of them. */
export interface LowerLayers {
  layers: readonly Layer[];
  /** Their history entries (empty layers' included), before the new layer's. */
  history: readonly History[];
}

export interface EstargzSummary {
  tocDigest: string;
  /** Regular files before the landmark, in blob order. */
  prefetchFiles: string[];
  /** TOC entries before the landmark. */
  prefetchEntries: number;
  /** Compressed bytes before the landmark. */
  prefetchBytes: number;
  partialFiles: string[];
}

export interface WrittenImage {
  /**
   * The written image, as every sink takes it (its blobs are the layout's files). Its close()
   * removes the layout: the one way to discard what writeImage made.
   */
  image: Image;
  /** OCI layout directory holding oci-layout, index.json, manifest.json, blobs/ (the writer's scratch; sinks read `image`). */
  layoutDir: string;
  manifestDigest: string;
  configDigest: string;
  layerDigest: string;
  layerDiffId: string;
  /** Uncompressed layer size and blob size. */
  layerSize: number;
  blobSize: number;
  /** Normalised NAME:TAG the layout names (index.json, manifest.json), if any. */
  refName?: string;
  manifestSize?: number;
  layerMediaType?: string;
  /** eStargz layers: the TOC digest, what comes before the prefetch landmark, and the files start-up read only in part (right after it). */
  estargz?: EstargzSummary;
}

/** How the eStargz blob is cut and compressed (src/oci/estargz.ts). */
export interface EstargzOptions {
  chunkSize?: number;
  /** Per entry path, offsets inside the file where a chunk must start (besides every `chunkSize`). */
  cuts?: ReadonlyMap<string, readonly number[]>;
  /** zlib level (default zlib's 6; the Go package defaults to 9 for a few % smaller blobs). */
  level?: number;
  parallel?: number;
}

/** What orders an eStargz layer for lazy pulling (src/oci/estargz-layer.ts). */
export interface EstargzLayerOptions extends EstargzOptions {
  /** Paths the app read during start-up, first access first (trace paths; symlinks are followed in the layer). */
  prefetch?: readonly string[];
  /** Paths it first read after start-up (right after the landmark, in this order). */
  later?: readonly string[];
  /** Byte ranges of big files start-up read (trace paths): files it read only in part are not prefetched whole. */
  resident?: ReadonlyMap<string, readonly Range[]>;
  /** Pages the app had mapped of each file (real paths) then. */
  mapped?: ReadonlyMap<string, readonly Range[]>;
}
