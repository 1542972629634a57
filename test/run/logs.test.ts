// The app's last lines as shown and reported: bounded, with terminal escapes and control
// characters made harmless.
import { describe, expect, it } from 'vitest';
import { boundLines, LAST_BYTES, LAST_LINES, sanitizeLine } from '../../src/run/logs.js';

describe('the app\'s last lines', () => {
  it('drops escape sequences, shows other control characters, keeps what a terminal would show after a CR', () => {
    expect(sanitizeLine('\x1b[31mError\x1b[0m: bad')).toBe('Error: bad');
    expect(sanitizeLine('a\x07b\x00c')).toBe('a\\x07b\\x00c');
    expect(sanitizeLine('10%\r50%\r100% done\r')).toBe('100% done');
    expect(sanitizeLine('\x1b]0;title\x07hello')).toBe('hello');
    expect(sanitizeLine('x'.repeat(5000)).length).toBeLessThanOrEqual(401);
  });

  it('keeps the newest lines within the line and byte bounds', () => {
    const many = Array.from({ length: 100 }, (_, i) => `line ${i}`);
    expect(boundLines(many)).toEqual(many.slice(-LAST_LINES));
    const wide = Array.from({ length: 30 }, (_, i) => `${i}`.padEnd(399, '.'));
    const kept = boundLines(wide);
    expect(kept.at(-1)).toBe(wide.at(-1));
    expect(kept.reduce((n, l) => n + l.length + 1, 0)).toBeLessThanOrEqual(LAST_BYTES);
  });
});
