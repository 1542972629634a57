// Shell-free splitting for --entrypoint/--cmd given as a plain string: whitespace separates
// words, quotes group, backslash escapes; nothing is expanded and no shell runs.
import { UserError } from '../util/errors.js';

export function splitWords(s: string, flag: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else cur += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < s.length && '"\\$`'.includes(s[i + 1]!)) cur += s[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 >= s.length) throw new UserError(`${flag}: trailing backslash in ${JSON.stringify(s)}`);
      cur += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new UserError(`${flag}: unterminated ${quote} quote in ${JSON.stringify(s)}`);
  if (inWord) words.push(cur);
  return words;
}

/** A JSON array of strings (exec form) or a plain string split without a shell. */
export function parseCommand(s: string, flag: string): string[] {
  if (s.trimStart().startsWith('[')) {
    let v: unknown;
    try {
      v = JSON.parse(s);
    } catch {
      throw new UserError(`${flag}: not a valid JSON array: ${s}`);
    }
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new UserError(`${flag}: the JSON array must hold only strings: ${s}`);
    return v as string[];
  }
  return splitWords(s, flag);
}
