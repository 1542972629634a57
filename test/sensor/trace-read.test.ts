// Reading a trace file in chunks gives what parsing its whole text gives, also for lines and
// multi-byte characters that straddle a chunk boundary.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parseTrace, readTraceFile } from '../../src/trace/index.js';

it('readTraceFile (chunked) equals parseTrace (whole text) on a multi-MB trace with UTF-8 paths', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slimts-trace-read-'));
  try {
    let text = '#slimts-trace 1 mode=ptrace pid=1 start=0\n';
    for (let i = 1; i <= 60_000; i++) text += `${i}\t1\topenat\tr\t0\t/usr/ü/${'é'.repeat(i % 50)}\n`;
    text += '#end events=60000 processes=1 dropped=3 exit=0 mode=ptrace\n';
    // A comment line first, sized so the first 1 MiB chunk ends inside a two-byte character.
    const bytes = Buffer.from(text);
    const MiB = 1 << 20;
    let q = MiB - 5000;
    while (bytes[q] !== 0xc3) q++;
    text = `#${'x'.repeat(MiB - 1 - q - 2)}\n${text}`;
    expect(Buffer.from(text)[MiB - 1]).toBe(0xc3);
    const file = join(dir, 'trace');
    writeFileSync(file, text);
    expect(Buffer.byteLength(text)).toBeGreaterThan(3 << 20); // several 1 MiB chunks
    const read = readTraceFile(file);
    expect(read).toEqual(parseTrace(text));
    expect(read.events).toHaveLength(60_000);
    expect(read.summary!.dropped).toBe(3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
