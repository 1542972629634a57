// Decompression-bomb guard. A compressed archive or layer is inflated to a temp file before it
// can be read in place; an untrusted one could inflate a thousandfold and fill the disk. The
// output may grow to INFLATE.ratio times the input (at least INFLATE.floor), and never into
// the last INFLATE.reserve bytes of the temp file system.
import { statfsSync } from 'node:fs';
import { Transform } from 'node:stream';
import { UserError } from '../util/errors.js';

const INFLATE = {
  /** Real layers inflate 2-10x; text-heavy ones up to ~30x. */
  ratio: 100,
  floor: 256 << 20,
  reserve: 256 << 20,
};

/** Free bytes on the file system holding `dir` (Infinity when it cannot be asked). */
function freeBytes(dir: string): number {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return Infinity;
  }
}

/**
 * A pass-through that fails with a one-line UserError once more than the allowed bytes went
 * through it: `compressed` is the input's size, `dir` where the output is written.
 */
export function boundedInflate(compressed: number, dir: string, what: string): Transform {
  const byRatio = Math.max(INFLATE.floor, compressed * INFLATE.ratio);
  const byDisk = freeBytes(dir) - INFLATE.reserve;
  const limit = Math.min(byRatio, byDisk);
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen <= limit) return cb(null, chunk);
      const why = limit === byRatio
        ? `inflates past ${byRatio} bytes (${INFLATE.ratio}x its ${compressed} compressed bytes): refusing a decompression bomb`
        : `does not fit in the free space of ${dir}`;
      cb(new UserError(`${what} ${why}`));
    },
  });
}
