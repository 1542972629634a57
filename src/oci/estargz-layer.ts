// The eStargz layer of writeImage: entries put in first-access order, written as an eStargz
// blob to `path`, and the descriptor annotations lazy pullers look for.
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EstargzWriter } from './estargz.js';
import { estargzOrder } from './estargz-order.js';
import { HashTap } from './hashtap.js';
import type { EstargzLayerOptions, WriteEntry } from './types.js';

const ANNOTATION = {
  tocDigest: 'containerd.io/snapshot/stargz/toc.digest',
  uncompressedSize: 'io.containers.estargz.uncompressed-size',
} as const;

export interface EstargzLayer {
  digest: string;
  size: number;
  diffId: string;
  uncompressedSize: number;
  tocDigest: string;
  annotations: Record<string, string>;
  /** Regular files before the prefetch landmark, in blob order. */
  prefetchFiles: string[];
  /** TOC entries before the landmark (files, their dirs and links; 0 with `.no.prefetch.landmark`). */
  prefetchEntries: number;
  /** Compressed bytes before the landmark: what a lazy puller fetches before the container starts. */
  prefetchBytes: number;
  /** Files start-up read only in part: right after the landmark, chunked at what it touched. */
  partialFiles: string[];
}

export async function writeEstargzLayer(ordered: WriteEntry[], opts: EstargzLayerOptions, path: string): Promise<EstargzLayer> {
  const plan = estargzOrder(ordered, opts.prefetch ?? [], opts.later ?? [], { resident: opts.resident, mapped: opts.mapped }, opts.chunkSize);
  const writer = new EstargzWriter(plan.entries, { ...opts, cuts: plan.cuts });
  const tap = new HashTap();
  await pipeline(Readable.from(writer.blob(), { objectMode: false }), tap, createWriteStream(path));
  const r = writer.result!;
  return {
    digest: tap.digest(),
    size: tap.bytes,
    diffId: r.diffId,
    uncompressedSize: r.uncompressedSize,
    tocDigest: r.tocDigest,
    annotations: { [ANNOTATION.tocDigest]: r.tocDigest, [ANNOTATION.uncompressedSize]: String(r.uncompressedSize) },
    prefetchFiles: plan.prefetchFiles,
    prefetchEntries: plan.prefetched,
    prefetchBytes: plan.prefetched ? (r.landmarkOffset ?? 0) : 0,
    partialFiles: plan.partialFiles,
  };
}
