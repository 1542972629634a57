// Number formatting shared by the text and ink renderers.

export { fmtBytes } from '../util/size.js';

export function fmtPercent(v: number | null): string {
  if (v === null) return 'inf';
  return `${(v * 100).toFixed(2)}%`;
}

export function shortDigest(d: string): string {
  return d.replace(/^sha256:/, '').slice(0, 12);
}

/** Single line, at most `max` characters. */
export function clip(s: string, max: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length <= max ? one : one.slice(0, max - 1) + '…';
}
