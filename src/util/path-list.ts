// A compact list of image entries (path, type, size) as one string: front-coded (each line
// says how many characters it shares with the previous path), so a 100k-entry tree costs about
// a fifth of a JSON array of objects. The build report carries the dropped entries this way,
// so a report from CI can be explained later without the image or the engine.
//
// One line per entry:  <shared>\t<rest of the path>\t<type><size>
// `rest` escapes "%", tab and newline as %25, %09, %0A; type is one letter (TYPE_LETTERS).

export interface ListedEntry {
  path: string;
  type: string;
  size: number;
}

const TYPE_LETTERS: Record<string, string> = { file: 'f', dir: 'd', symlink: 'l', hardlink: 'h', char: 'c', block: 'b', fifo: 'p' };
const LETTER_TYPES: Record<string, string> = Object.fromEntries(Object.entries(TYPE_LETTERS).map(([k, v]) => [v, k]));

const escapeRest = (s: string): string => (/[%\t\n]/.test(s) ? s.replace(/%/g, '%25').replace(/\t/g, '%09').replace(/\n/g, '%0A') : s);
const unescapeRest = (s: string): string => (s.includes('%') ? s.replace(/%(25|09|0A)/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))) : s);

/** Entries in the order given (sorted input codes best). */
export function encodePathList(entries: Iterable<ListedEntry>): string {
  const lines: string[] = [];
  let prev = '';
  for (const e of entries) {
    let shared = 0;
    const n = Math.min(prev.length, e.path.length);
    while (shared < n && prev.charCodeAt(shared) === e.path.charCodeAt(shared)) shared++;
    lines.push(`${shared}\t${escapeRest(e.path.slice(shared))}\t${TYPE_LETTERS[e.type] ?? 'f'}${e.size}`);
    prev = e.path;
  }
  return lines.join('\n');
}

/** The entries of an encoded list; throws on a malformed line (the caller names the file). */
export function decodePathList(text: string): ListedEntry[] {
  const out: ListedEntry[] = [];
  if (text === '') return out;
  let prev = '';
  let start = 0;
  for (let lineNo = 1; start <= text.length; lineNo++) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const t1 = text.indexOf('\t', start);
    const t2 = t1 < 0 ? -1 : text.indexOf('\t', t1 + 1);
    if (t1 < 0 || t2 < 0 || t2 >= end) throw new Error(`line ${lineNo} is not "shared<TAB>rest<TAB>type+size"`);
    const shared = Number(text.slice(start, t1));
    const type = LETTER_TYPES[text[t2 + 1]!];
    const size = Number(text.slice(t2 + 2, end));
    if (!Number.isInteger(shared) || shared < 0 || shared > prev.length || !type || !Number.isSafeInteger(size) || size < 0) {
      throw new Error(`line ${lineNo} is malformed`);
    }
    const path = prev.slice(0, shared) + unescapeRest(text.slice(t1 + 1, t2));
    out.push({ path, type, size });
    prev = path;
    start = end + 1;
  }
  return out;
}
