// xray's fast path for engine images: parses the `docker save` stream as it arrives, the
// layer tars inside it included, so nothing is written to disk and the image is read once.
// File contents are hashed on the fly (for duplicates) and the few dpkg files xray reads
// are kept; everything else is metadata. Anything unexpected (compressed blobs, no
// manifest.json) makes the caller fall back to readImage.
import { sha256Digest } from '../util/digest.js';
import { posix } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { docker } from '../engine/docker.js';
import { checkEngineRef } from '../engine/ref.js';
import { exportError } from '../image/engine.js';
import { BLOCK, ChunkSource, TarFormatError, iterateTar, type TarSource } from '../tar/index.js';
import type { ImageConfig } from '../image/types.js';
import { readLayerContents, type LayerContents } from './layer-read.js';

/** Thrown when the stream holds something this path does not handle; use readImage. */
export class NeedFallback extends Error {}

export interface StreamedLayer extends LayerContents {
  blobSize: number;
}

export interface StreamedImage {
  config: ImageConfig;
  rawConfig: Buffer;
  configDigest: string;
  /** In stack order. */
  layers: StreamedLayer[];
}

const JSON_MAX = 64 << 20;

/** A window of `size` bytes of an outer source (a member of the outer tar). */
class Window implements TarSource {
  offset = 0;
  constructor(
    private readonly outer: ChunkSource,
    private remaining: number,
    private prefix: Buffer,
  ) {}

  private left(): number {
    return this.prefix.length + this.remaining;
  }

  async read(n: number): Promise<Buffer | null> {
    if (this.left() === 0) return null;
    if (n > this.left()) throw new TarFormatError('truncated layer tar');
    const parts: Buffer[] = [];
    let need = n;
    if (this.prefix.length) {
      const take = Math.min(need, this.prefix.length);
      parts.push(this.prefix.subarray(0, take));
      this.prefix = this.prefix.subarray(take);
      need -= take;
    }
    if (need) {
      const b = await this.outer.read(need);
      if (!b) throw new TarFormatError('truncated save stream');
      parts.push(b);
      this.remaining -= need;
    }
    this.offset += n;
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, n);
  }

  async skip(n: number): Promise<void> {
    await this.copy(n, undefined);
  }

  async copy(n: number, sink: ((c: Buffer) => void) | undefined): Promise<void> {
    if (n > this.left()) throw new TarFormatError('truncated layer tar');
    if (this.prefix.length) {
      const take = Math.min(n, this.prefix.length);
      sink?.(this.prefix.subarray(0, take));
      this.prefix = this.prefix.subarray(take);
      n -= take;
      this.offset += take;
    }
    if (n) {
      if (sink) await this.outer.copy(n, sink);
      else await this.outer.skip(n);
      this.remaining -= n;
      this.offset += n;
    }
  }

  async finish(): Promise<void> {
    await this.skip(this.left());
  }
}

/** The engine image `name` (as refLocation gives it: no `docker:` prefix), streamed. */
export async function streamEngineImage(name: string, opts: { dupMinSize: number; docker?: Dockerode }): Promise<StreamedImage> {
  checkEngineRef(name);
  let stream: NodeJS.ReadableStream;
  try {
    stream = await (opts.docker ?? docker()).getImage(name).get();
  } catch (err) {
    throw exportError(err, name);
  }
  // A deep buffer keeps the engine writing while we hash: without it the socket fills
  // whenever we are busy and the daemon stalls.
  const buffered = (stream as unknown as Readable).pipe(new PassThrough({ highWaterMark: 32 << 20 }));
  stream.on('error', (e: Error) => buffered.destroy(e));
  try {
    return await parseSaveStream(buffered as AsyncIterable<Buffer>, `engine image "${name}"`, opts.dupMinSize);
  } finally {
    (stream as unknown as { destroy?: () => void }).destroy?.();
  }
}

/**
 * Parses a `docker save` stream (a docker-archive) in one pass. Throws NeedFallback for
 * whatever this path does not handle, including a malformed tar.
 */
export async function parseSaveStream(stream: AsyncIterable<Buffer>, label: string, dupMinSize: number): Promise<StreamedImage> {
  const src = new ChunkSource(stream);
  const jsons = new Map<string, Buffer>();
  const members = new Map<string, StreamedLayer>();
  const aliases = new Map<string, string>();
  try {
    for await (const raw of iterateTar(src)) {
      const member = posix.normalize(raw.name).replace(/^\.\//, '');
      if (raw.typeflag === '2') {
        aliases.set(member, posix.join(posix.dirname(member), raw.linkname));
        continue;
      }
      if (raw.typeflag !== '0' || raw.size === 0) continue;
      if (jsons.has(member) || members.has(member)) throw new NeedFallback(`duplicate member ${member}`);
      const first = (await src.read(Math.min(BLOCK, raw.size)))!;
      if (first[0] === 0x7b /* { */ || member.endsWith('.json') || member === 'repositories') {
        if (raw.size > JSON_MAX) throw new NeedFallback(`member ${member} too big for JSON`);
        const rest = raw.size > first.length ? (await src.read(raw.size - first.length))! : Buffer.alloc(0);
        jsons.set(member, Buffer.concat([first, rest]));
        continue;
      }
      if (first.length >= 4 && ((first[0] === 0x1f && first[1] === 0x8b) || first.readUInt32LE(0) === 0xfd2fb528)) {
        throw new NeedFallback(`compressed member ${member}`);
      }
      const tarLike = first.length === BLOCK && (first.subarray(257, 262).toString('latin1') === 'ustar' || first.every((b) => b === 0));
      if (!tarLike && !member.endsWith('.tar')) {
        await src.skip(raw.size - first.length); // VERSION files, oci-layout...
        continue;
      }
      const win = new Window(src, raw.size - first.length, first);
      members.set(member, { ...(await readLayerContents(win, `${label} ${member}`, dupMinSize)), blobSize: raw.size });
      await win.finish();
    }
    // Read past the end-of-archive blocks: an unfinished response keeps the socket (and the
    // process) alive.
    await src.drain();
  } catch (err) {
    if (err instanceof TarFormatError) throw new NeedFallback(err.message);
    throw err;
  }
  const manifestBytes = jsons.get('manifest.json');
  if (!manifestBytes) throw new NeedFallback('no manifest.json');
  const manifest = parseOr<{ Config?: unknown; Layers?: unknown }[]>(manifestBytes);
  if (!Array.isArray(manifest) || manifest.length !== 1) throw new NeedFallback('not one image in the save stream');
  const { Config, Layers } = manifest[0] ?? {};
  const rawConfig = typeof Config === 'string' ? jsons.get(Config) : undefined;
  if (!rawConfig || !Array.isArray(Layers)) throw new NeedFallback('config or layers not found');
  const layers = Layers.map((p: unknown) => {
    let m = String(p);
    for (let i = 0; i < 10 && aliases.has(m); i++) m = aliases.get(m)!;
    const l = members.get(m);
    if (!l) throw new NeedFallback(`layer ${String(p)} not found`);
    return l;
  });
  const config = parseOr<ImageConfig>(rawConfig);
  if (typeof config !== 'object' || config === null) throw new NeedFallback('config is not an object');
  return {
    config,
    rawConfig,
    configDigest: sha256Digest(rawConfig),
    layers,
  };
}

/** JSON the engine wrote; anything odd goes the checked way (readImage). */
function parseOr<T>(buf: Buffer): T {
  try {
    return JSON.parse(buf.toString('utf8')) as T;
  } catch {
    throw new NeedFallback('malformed JSON in the save stream');
  }
}
