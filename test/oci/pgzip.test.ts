import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { ParallelGzip } from '../../src/oci/pgzip.js';

async function gz(buf: Buffer, parallel: number, chunk: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunk) chunks.push(buf.subarray(i, i + chunk));
  const out: Buffer[] = [];
  await pipeline(Readable.from(chunks), new ParallelGzip({ parallel }), new Writable({ write(c: Buffer, _e, cb) { out.push(c); cb(); } }));
  return Buffer.concat(out);
}

describe('ParallelGzip', () => {
  const MiB = 1 << 20;
  test.each([
    ['empty', 0],
    ['one byte', 1],
    ['just under the window', 32767],
    ['one block', MiB],
    ['one block + 1', MiB + 1],
    ['several blocks, mixed', 3 * MiB + 12345],
  ])('%s: one gzip member that gunzip reads back; same bytes whatever the parallelism and chunking', async (_n, size) => {
    const half = Math.floor(size / 2);
    const input = Buffer.concat([randomBytes(half), Buffer.alloc(size - half, 'slimts ')]);
    const a = await gz(input, 1, 65536);
    const b = await gz(input, 8, 333_333);
    expect(a.equals(b)).toBe(true);
    expect(gunzipSync(a).equals(input)).toBe(true);
    expect(execFileSync('gzip', ['-dc'], { input: a, maxBuffer: 1 << 26 }).equals(input)).toBe(true);
    expect(a.subarray(0, 10)).toEqual(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]));
  });

  test('repetitive data compresses across block boundaries (dictionary carried over)', async () => {
    const input = Buffer.alloc(4 * MiB, 'abcdefgh');
    expect((await gz(input, 2, MiB)).length).toBeLessThan(20_000);
  });
});
