// Java: the string literals of the classes in a jar. A class names files by absolute paths
// (`new FileInputStream("/app/conf/app.properties")`) and, when it starts processes
// (`ProcessBuilder`, `Runtime.exec`), the programs it runs (`"bash", "-c", "ls … | cut"`): read
// like any code's literals. Bounded: a jar's central directory, at most MAX_CLASSES classes and
// MAX_INFLATED bytes inflated, each class's constant pool only.
import { inflateRawSync } from 'node:zlib';
import type { LexString } from '../lex.js';
import type { RawRef } from '../types.js';
import { pathLiterals, shellLine } from './literals.js';

const MAX_CLASSES = 20_000;
const MAX_INFLATED = 256 << 20;
const MAX_CLASS = 4 << 20;
/** Classes whose code starts processes. */
const PROCESS = new Set(['java/lang/ProcessBuilder', 'java/lang/Runtime']);
const PROGRAM = /^[a-z][\w.+-]{0,31}$/;

/** The references of a jar's classes (its bytes), or [] when it is no zip. */
export function scanJar(jar: Buffer): RawRef[] {
  const out: RawRef[] = [];
  let inflated = 0;
  let n = 0;
  for (const entry of classEntries(jar)) {
    if (++n > MAX_CLASSES || inflated > MAX_INFLATED) break;
    const bytes = entryBytes(jar, entry);
    if (!bytes) continue;
    inflated += bytes.length;
    const pool = constantPool(bytes);
    if (!pool) continue;
    const strings: LexString[] = pool.literals.map((value) => ({ value, dynamic: false, line: 0, quote: '"' }));
    out.push(...pathLiterals('shell', strings).map((r) => ({ ...r, how: `named in ${entry.name}` })));
    if (!pool.classes.some((c) => PROCESS.has(c))) continue;
    // a class that starts processes: its words are programs, a string after "-c" a shell line
    const afterC = pool.literals.indexOf('-c');
    pool.literals.forEach((value, i) => {
      if (afterC >= 0 && i > afterC && /\s/.test(value)) out.push(...shellLine(value, false, 0, `shell line in ${entry.name}`));
      else if (PROGRAM.test(value)) out.push({ lang: 'shell', kind: 'command', name: value, line: 0, how: `process started by ${entry.name}`, external: true, ifPresent: true });
    });
  }
  return out;
}

interface Entry {
  name: string;
  method: number;
  compressed: number;
  local: number;
}

/** The .class entries of the zip's central directory. */
function* classEntries(zip: Buffer): Generator<Entry> {
  // the end of central directory record: within the last 64 KiB + 22 bytes
  const from = Math.max(0, zip.length - 65_557);
  let eocd = -1;
  for (let i = zip.length - 22; i >= from; i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return;
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  for (let k = 0; k < count && p + 46 <= zip.length && zip.readUInt32LE(p) === 0x02014b50; k++) {
    const method = zip.readUInt16LE(p + 10);
    const compressed = zip.readUInt32LE(p + 20);
    const nameLen = zip.readUInt16LE(p + 28);
    const extra = zip.readUInt16LE(p + 30);
    const comment = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const name = zip.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    if (name.endsWith('.class')) yield { name, method, compressed, local };
    p += 46 + nameLen + extra + comment;
  }
}

/** An entry's bytes (stored or deflated), or undefined when it cannot be read within bounds. */
function entryBytes(zip: Buffer, e: Entry): Buffer | undefined {
  if (e.local + 30 > zip.length || zip.readUInt32LE(e.local) !== 0x04034b50) return undefined;
  const start = e.local + 30 + zip.readUInt16LE(e.local + 26) + zip.readUInt16LE(e.local + 28);
  const data = zip.subarray(start, start + e.compressed);
  try {
    if (e.method === 0) return data;
    if (e.method === 8) return inflateRawSync(data, { maxOutputLength: MAX_CLASS });
  } catch {
    return undefined; // corrupt or too large: its strings stay unread
  }
  return undefined;
}

/** A class file's string literals (CONSTANT_String) and the classes it refers to (CONSTANT_Class). */
function constantPool(c: Buffer): { literals: string[]; classes: string[] } | undefined {
  if (c.length < 10 || c.readUInt32BE(0) !== 0xcafebabe) return undefined;
  const count = c.readUInt16BE(8);
  const utf8 = new Map<number, string>();
  const stringIdx: number[] = [];
  const classIdx: number[] = [];
  let p = 10;
  for (let i = 1; i < count; i++) {
    if (p >= c.length) return undefined;
    const tag = c[p]!;
    switch (tag) {
      case 1: { // Utf8 (modified UTF-8: what literals hold is ASCII for paths and programs)
        const len = c.readUInt16BE(p + 1);
        utf8.set(i, c.subarray(p + 3, p + 3 + len).toString('utf8'));
        p += 3 + len;
        break;
      }
      case 7: classIdx.push(c.readUInt16BE(p + 1)); p += 3; break;
      case 8: stringIdx.push(c.readUInt16BE(p + 1)); p += 3; break;
      case 16: case 19: case 20: p += 3; break;
      case 15: p += 4; break;
      case 3: case 4: case 9: case 10: case 11: case 12: case 17: case 18: p += 5; break;
      case 5: case 6: p += 9; i++; break; // a long or a double takes two entries
      default: return undefined;
    }
  }
  return { literals: stringIdx.flatMap((i) => utf8.get(i) ?? []), classes: classIdx.flatMap((i) => utf8.get(i) ?? []) };
}
