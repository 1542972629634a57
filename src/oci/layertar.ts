// Streams the tar of one layer from ordered entries. Small pieces (headers, padding, small
// files) are batched into large chunks so hashing/gzip/write see few, big buffers.
import type { Readable } from 'node:stream';
import { padding, ZEROS } from '../tar/index.js';
import { contentSize, entryHeader } from './entry-header.js';
import type { WriteEntry } from './types.js';

const BATCH = 256 * 1024;
const BIG = 64 * 1024; // chunks this large pass through unbatched

export async function* layerTar(ordered: WriteEntry[]): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let len = 0;
  const take = (): Buffer => {
    const b = parts.length === 1 ? parts[0]! : Buffer.concat(parts, len);
    parts = [];
    len = 0;
    return b;
  };
  const push = (b: Buffer) => {
    if (b.length === 0) return;
    parts.push(b);
    len += b.length;
  };

  for (const e of ordered) {
    const size = contentSize(e);
    push(entryHeader(e));
    if (size > 0) {
      if (!e.open) throw new Error(`writer: file ${e.path} has ${size} bytes but no content`);
      const src: Readable = await e.open();
      let n = 0;
      try {
        for await (const c of src) {
          const b: Buffer = Buffer.isBuffer(c) ? c : c instanceof Uint8Array ? Buffer.from(c.buffer, c.byteOffset, c.byteLength) : Buffer.from(String(c));
          n += b.length;
          if (n > size) throw new Error(`writer: content of ${e.path} is longer than its size ${size}`);
          if (b.length >= BIG) {
            if (len) yield take();
            yield b;
          } else {
            push(b);
            if (len >= BATCH) yield take();
          }
        }
      } finally {
        src.destroy();
      }
      if (n !== size) throw new Error(`writer: content of ${e.path} is ${n} bytes, expected ${size}`);
      push(ZEROS.subarray(0, padding(size)));
    }
    if (len >= BATCH) yield take();
  }
  push(ZEROS); // two zero blocks end the archive
  yield take();
}
