// A pass-through stream that hashes and counts what flows through it, so digests are
// computed in the same pass that writes the blob.
import { createHash, type Hash } from 'node:crypto';
import { Transform } from 'node:stream';

export class HashTap extends Transform {
  readonly hash: Hash = createHash('sha256');
  bytes = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }

  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}
