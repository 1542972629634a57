// Number formatting shared by the text and ink renderers.

/** SI sizes like dive's go-humanize: "1.2 MB", "999 B". */
export function fmtBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let i = -1;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

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
