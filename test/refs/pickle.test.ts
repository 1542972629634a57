// Python pickles name the modules their loading imports (src/refs/scan/pickle.ts); the bytes
// here are what CPython's pickle writes.
import { describe, expect, it } from 'vitest';
import { looksLikePickle, scanPickle } from '../../src/refs/scan/pickle.js';
import { refsOf } from '../../src/refs/index.js';
import type { FileView } from '../../src/elf/index.js';

// pickle.dumps({'f': Fraction(1, 3), 'd': Decimal('1.5'), 'o': OrderedDict()}, protocol=4)
const P4 = Buffer.from('gASVcwAAAAAAAAB9lCiMAWaUjAlmcmFjdGlvbnOUjAhGcmFjdGlvbpSTlEsBSwOGlFKUjAFklIwHZGVjaW1hbJSMB0RlY2ltYWyUk5SMAzEuNZSFlFKUjAFvlIwLY29sbGVjdGlvbnOUjAtPcmRlcmVkRGljdJSTlClSlHUu', 'base64');
// pickle.dumps({'f': Fraction(1, 3)}, protocol=0)
const P0 = Buffer.from('KGRwMApWZgpwMQpjZnJhY3Rpb25zCkZyYWN0aW9uCnAyCihJMQpJMwp0cDMKUnA0CnMu', 'base64');

describe('pickles', () => {
  it('the modules a protocol 4 pickle and a protocol 0 pickle import', () => {
    expect(looksLikePickle(P4)).toBe(true);
    expect(scanPickle(P4).map((r) => r.name)).toEqual(['fractions', 'decimal', 'collections']);
    expect(scanPickle(P0).map((r) => r.name)).toEqual(['fractions']);
    expect(scanPickle(P4).every((r) => r.kind === 'import' && r.ifPresent && r.how === 'named in a pickle')).toBe(true);
  });
  it('nothing from bytes that are no pickle', () => {
    expect(looksLikePickle(Buffer.from('{"a": 1}'))).toBe(false);
    expect(scanPickle(Buffer.from([0x8c, 0xff, 0x41]))).toEqual([]);
  });
  it('a pickle the run read is one whatever its name; unread and named as data, it is not read', () => {
    const view = { read: (_p: string, off: number, len: number) => P4.subarray(off, off + len) } as unknown as FileView;
    expect(refsOf(view, '/app/data/state.bin', P4.length, { readByRun: true })?.map((r) => r.name)).toEqual(['fractions', 'decimal', 'collections']);
    expect(refsOf(view, '/app/data/state.bin', P4.length, {})).toBeUndefined();
  });
});
