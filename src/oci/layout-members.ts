// The members of an image's OCI layout, in the order a sorted walk of the directory gives:
// blobs/, blobs/sha256/, each blob once by digest, then the naming files. One description
// for every form a layout takes (a directory, its tar for oci-archive and the engine's load),
// made from any StoredImage: the blobs stream from the image, nothing is held but the small files.
import type { Readable } from 'node:stream';
import type { StoredImage } from '../image/types.js';
import { manifestDescriptor, namingFiles } from './layout.js';

export interface LayoutMember {
  /** Slash-separated path in the layout; directories end without a slash. */
  rel: string;
  dir: boolean;
  size: number;
  /** Files: the bytes, exactly `size` of them. */
  bytes?: () => Promise<Readable> | Buffer;
}

const hex = (digest: string) => digest.replace(/^sha256:/, '');

/**
 * `refName` names the image in index.json and manifest.json (none: unnamed); `omit` leaves
 * out top-level files (the OCI ones, for a docker-archive).
 */
export function layoutMembers(image: StoredImage, refName?: string, omit?: ReadonlySet<string>): LayoutMember[] {
  const manifest = manifestDescriptor(image);
  const blobs = new Map<string, LayoutMember>();
  const add = (digest: string, size: number, bytes: () => Promise<Readable> | Buffer) => {
    if (!blobs.has(hex(digest))) blobs.set(hex(digest), { rel: `blobs/sha256/${hex(digest)}`, dir: false, size, bytes });
  };
  add(manifest.digest, image.rawManifest.length, () => image.rawManifest);
  add(image.configDigest, image.rawConfig.length, () => image.rawConfig);
  for (const l of image.layers) add(l.digest, l.size, () => l.compressed());
  const sorted = [...blobs.keys()].sort().map((h) => blobs.get(h)!);
  const naming = [...namingFiles(image, refName)].sort(([a], [b]) => (a < b ? -1 : 1))
    .filter(([name]) => !omit?.has(name))
    .map(([rel, b]): LayoutMember => ({ rel, dir: false, size: b.length, bytes: () => b }));
  return [{ rel: 'blobs', dir: true, size: 0 }, { rel: 'blobs/sha256', dir: true, size: 0 }, ...sorted, ...naming];
}

/** A member's bytes (from `opened`, when the caller already opened them), failing when the source gives more or fewer than it said. */
export async function* memberBytes(m: LayoutMember, opened?: Readable | Buffer): AsyncGenerator<Buffer> {
  const src = opened ?? (await m.bytes!());
  if (Buffer.isBuffer(src)) {
    if (src.length !== m.size) throw new Error(`${m.rel}: ${src.length} bytes, expected ${m.size}`);
    yield src;
    return;
  }
  let n = 0;
  try {
    for await (const c of src) {
      n += (c as Buffer).length;
      if (n > m.size) throw new Error(`${m.rel}: the blob is larger than its ${m.size} bytes`);
      yield c as Buffer;
    }
  } finally {
    src.destroy();
  }
  if (n !== m.size) throw new Error(`${m.rel}: the blob has ${n} bytes, expected ${m.size}`);
}
