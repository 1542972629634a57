// A small lexer shared by the language scanners: it removes comments and replaces every
// string literal with a placeholder, so a scanner's patterns run over code only and never
// match inside a comment or a string, while the strings stay available by number.
// It is deliberately forgiving: on anything it does not understand it keeps going, since a
// missed reference only costs a file and a parse error must never fail a build.

export interface LexString {
  /** The literal's value (escapes decoded); for an interpolated string, the text before the first interpolation. */
  value: string;
  /** 1-based line of the opening quote. */
  line: number;
  /** Interpolated (f-string, template literal, "#{}", "$x"): only `value` is known, as a prefix. */
  dynamic: boolean;
  /** The quote character that opened it. */
  quote: string;
}

export interface Lexed {
  /** The source with comments blanked and strings replaced by `\u0001N\u0002` (N = index into strings). Newlines kept. */
  code: string;
  strings: LexString[];
}

export interface LexSpec {
  lineComments: string[];
  blockComments?: Array<[string, string]>;
  quotes: string[];
  /** Python's ''' and """ strings. */
  triple?: boolean;
  /** Python's string prefixes (r, b, f, u...). */
  prefixes?: boolean;
  /** JavaScript regex literals. */
  regex?: boolean;
  /** How an interpolation starts inside a double-quoted (or template) string. */
  interpolation?: { quote: string; start: RegExp };
  /** Lines from `start` to `end` (each at a line start) are documentation: Perl's POD, Ruby's =begin/=end. */
  docBlocks?: Array<[RegExp, RegExp]>;
}

const STR_OPEN = '\u0001';
const STR_CLOSE = '\u0002';

/** The placeholder pattern: group 1 is the string's index. */
export const STR = `${STR_OPEN}(\\d+)${STR_CLOSE}`;

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', "'": "'", '"': '"', '`': '`', $: '$' };
const JS_REGEX_BEFORE = new Set([...'(,=:[!&|?{};+-*%<>~^']);
const JS_REGEX_KEYWORDS = /(?:^|[^\w$])(?:return|typeof|case|do|else|in|of|new|delete|void|throw|yield|await)$/;

export function lex(src: string, spec: LexSpec): Lexed {
  const strings: LexString[] = [];
  // output as chunks: slicing one long concatenated string would flatten it at every quote
  const parts: string[] = [];
  let tail = ''; // the last characters written, for look-behind
  let i = 0;
  let line = 1;
  const n = src.length;
  let atLineStart = true;

  const push = (s: string) => {
    if (s === '') return;
    parts.push(s);
    tail = (tail + s.slice(-16)).slice(-16);
  };
  const newlinesIn = (s: string) => {
    let c = 0;
    for (let k = 0; k < s.length; k++) if (s.charCodeAt(k) === 10) c++;
    return c;
  };

  // Only a few characters can start something the lexer must handle: jump from one to the next.
  const starters = new Set<string>(['\n', ...spec.lineComments.map((c) => c[0]!), ...(spec.blockComments ?? []).map(([o]) => o[0]!), ...spec.quotes]);
  if (spec.regex) starters.add('/');
  const next = new RegExp(`[${[...starters].map((c) => (c === '\n' ? '\\n' : c.replace(/[\\\]^-]/g, '\\$&'))).join('')}]`, 'g');

  while (i < n) {
    if (!atLineStart || !spec.docBlocks) {
      next.lastIndex = i;
      const m = next.exec(src);
      const j = m ? m.index : n;
      if (j > i) {
        push(src.slice(i, j));
        atLineStart = false;
        i = j;
        if (i >= n) break;
      }
    }
    const ch = src[i]!;
    if (atLineStart && spec.docBlocks) {
      const rest = src.slice(i, i + 200);
      const block = spec.docBlocks.find(([start]) => start.test(rest));
      if (block) {
        // skip this line and every line up to and including the one that ends the block
        let j = src.indexOf('\n', i);
        while (j >= 0) {
          const nl = src.indexOf('\n', j + 1);
          const lineText = src.slice(j + 1, nl < 0 ? n : nl);
          j = nl;
          if (block[1].test(lineText)) break;
        }
        const stop = j < 0 ? n : j;
        const nls = newlinesIn(src.slice(i, stop));
        push('\n'.repeat(nls));
        line += nls;
        i = stop;
        continue;
      }
    }
    if (ch === '\n') {
      push(ch);
      line++;
      i++;
      atLineStart = true;
      continue;
    }
    atLineStart = false;
    // comments
    const lc = spec.lineComments.find((c) => src.startsWith(c, i));
    if (lc !== undefined) {
      const nl = src.indexOf('\n', i);
      i = nl < 0 ? n : nl;
      continue;
    }
    const bc = spec.blockComments?.find(([open]) => src.startsWith(open, i));
    if (bc) {
      const end = src.indexOf(bc[1], i + bc[0].length);
      const stop = end < 0 ? n : end + bc[1].length;
      const nls = newlinesIn(src.slice(i, stop));
      push(' ' + '\n'.repeat(nls));
      line += nls;
      i = stop;
      continue;
    }
    // regex literals (JavaScript): skipped whole, so quotes inside them do not open strings
    if (spec.regex && ch === '/' && src[i + 1] !== '/' && src[i + 1] !== '*' && regexAllowed(tail)) {
      let j = i + 1;
      let inClass = false;
      while (j < n && src[j] !== '\n') {
        const c = src[j]!;
        if (c === '\\') j += 2;
        else if (inClass) {
          if (c === ']') inClass = false;
          j++;
        } else if (c === '[') {
          inClass = true;
          j++;
        } else if (c === '/') break;
        else j++;
      }
      if (j < n && src[j] === '/') {
        push(' /re/ ');
        i = j + 1;
        while (i < n && /[a-z]/i.test(src[i]!)) i++;
        continue;
      }
      push(ch);
      i++;
      continue;
    }
    const q = spec.quotes.find((c) => c === ch);
    if (q !== undefined) {
      let prefix = '';
      if (spec.prefixes) {
        const m = /(?:^|[^\w])([rRbBuUfF]{1,2})$/.exec(tail.slice(-3));
        if (m) {
          prefix = m[1]!.toLowerCase();
          // take the prefix letters back out of the output (they end the last chunks)
          let drop = m[1]!.length;
          while (drop > 0 && parts.length > 0) {
            const last = parts.pop()!;
            if (last.length > drop) {
              parts.push(last.slice(0, last.length - drop));
              drop = 0;
            } else drop -= last.length;
          }
          tail = tail.slice(0, tail.length - m[1]!.length);
        }
      }
      const triple = spec.triple && src.startsWith(q.repeat(3), i);
      const close = triple ? q.repeat(3) : q;
      const raw = prefix.includes('r');
      const interp = (spec.interpolation && spec.interpolation.quote === q) || prefix.includes('f');
      let j = i + close.length;
      let value = '';
      let dynamic = false;
      let ended = false;
      // jump between the characters that matter inside the literal
      const inner = new RegExp(`[\\\\\\n${q.replace(/[\\\]^-]/g, '\\$&')}${interp ? '{$#@' : ''}]`, 'g');
      while (j < n) {
        inner.lastIndex = j;
        const m = inner.exec(src);
        const k = m ? m.index : n;
        if (!dynamic && k > j) value += src.slice(j, k);
        j = k;
        if (j >= n) break;
        if (src.startsWith(close, j)) {
          ended = true;
          break;
        }
        const c = src[j]!;
        if (c === '\n' && !triple && q !== '`') break; // an unterminated one-line string ends at the line
        if (c === '\\' && j + 1 < n) {
          const e = src[j + 1]!;
          if (!dynamic) value += raw ? c + e : (ESCAPES[e] ?? e);
          j += 2;
          continue;
        }
        if (interp && !dynamic && c !== q && c !== '\n') {
          const start = prefix.includes('f') ? /^\{(?!\{)/ : spec.interpolation!.start;
          if (start.test(src.slice(j, j + 3))) dynamic = true;
        }
        if (!dynamic) value += c;
        j++;
      }
      const stop = ended ? j + close.length : j;
      const nls = newlinesIn(src.slice(i, stop));
      strings.push({ value, line, dynamic, quote: q });
      push(`${STR_OPEN}${strings.length - 1}${STR_CLOSE}` + '\n'.repeat(nls));
      line += nls;
      i = stop;
      continue;
    }
    push(ch);
    i++;
  }
  return { code: parts.join(''), strings };
}

function regexAllowed(before: string): boolean {
  const t = before.replace(/[ \t]+$/, '');
  if (t === '' || t.endsWith('\n')) return true;
  const last = t[t.length - 1]!;
  if (JS_REGEX_BEFORE.has(last)) return true;
  return JS_REGEX_KEYWORDS.test(t.slice(-8));
}

/** Line numbers for offsets into `code`, by binary search over its line starts. */
export function lineCounter(code: string): (offset: number) => number {
  const starts = [0];
  for (let k = code.indexOf('\n'); k >= 0; k = code.indexOf('\n', k + 1)) starts.push(k + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

/** The string behind a placeholder match group. */
export function stringAt(l: Lexed, index: string | undefined): LexString | undefined {
  return index === undefined ? undefined : l.strings[Number(index)];
}
