// String literals in an ELF file's read-only data (.rodata, .data.rel.ro, Go's .rodata...):
// what a program can open, run or load by a name compiled into it. Read in chunks through
// the random-access callback, so a 100 MB library is never held whole.
import { EXEC_IMPORTS, parseElf, type ReadAt } from './parse.js';

export interface ElfStrings {
  /**
   * Absolute-path-looking runs ('/' then path characters), a ':'-separated search list split
   * into its parts. A Go string is not NUL-terminated, so a run may go on into the next
   * string ("/etc/hostsfoo"): who matches these against a filesystem allows for that.
   */
  paths: string[];
  /** NUL-terminated strings of printable ASCII (when asked for: names of programs and libraries). */
  words?: string[];
  /** A Go program (its strings are not NUL-terminated). */
  go?: boolean;
  /** The exec and dlopen calls the file imports (src/elf/parse.ts `imports`). */
  imports?: string[];
  /** The module-import functions the file defines: the interpreter itself (src/elf/parse.ts `defines`). */
  defines?: string[];
}

const SHT_PROGBITS = 1;
const SHF_WRITE = 0x1;
const SHF_ALLOC = 0x2;
const SHF_EXECINSTR = 0x4;
const PT_LOAD = 1;
const PF_X = 1;
const PF_W = 2;

/** Bytes read per step. */
const CHUNK = 1 << 20;
/** Longest string kept (a longer run is cut here). */
const MAX_STRING = 4096;
const MAX_WORD = 256;
/** How many distinct strings one file yields at most (a corrupt or huge file cannot exhaust memory). */
const MAX_PATHS = 50_000;
const MAX_WORDS = 300_000;
/** Sections that are read-only data but not string literals. */
const NOT_LITERALS = /^\.(gopclntab|go\.buildinfo|eh_frame|eh_frame_hdr|gcc_except_table|note|interp|gnu\.|init_array|fini_array|got)/;

/** Characters of a path in a run ('/' included; ':' joins a search list). */
function pathChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39)
    || c === 0x2f || c === 0x2e || c === 0x5f || c === 0x2d || c === 0x2b || c === 0x3a || c === 0x40 || c === 0x7e;
}

/** A part of the file and the address it is loaded at. */
export interface Range {
  offset: number;
  size: number;
  addr: number;
}

export interface Layout {
  /** Read-only data: allocated, non-executable PROGBITS sections (writable only for
   * .data.rel.ro), else the read-only PT_LOAD segments of a file without section headers. */
  data: Range[];
  /** Code: executable sections (or segments). */
  code: Range[];
  machine: number;
  /** ET_EXEC: loaded at fixed addresses (code may hold a data address as an immediate). */
  fixed: boolean;
  go: boolean;
}

const EM_X86_64 = 62;

/** Where an ELF file keeps its read-only data and its code. */
export function layoutOf(read: ReadAt, size: number): Layout {
  const ident = read(0, 64);
  const none: Layout = { data: [], code: [], machine: 0, fixed: false, go: false };
  if (ident.length < 52 || ident[0] !== 0x7f || ident[1] !== 0x45 || ident[2] !== 0x4c || ident[3] !== 0x46) return none;
  const c64 = ident[4] === 2;
  const le = ident[5] !== 2;
  if (c64 && ident.length < 64) return none;
  const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const u64 = (b: Buffer, o: number) => {
    const v = le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  };
  const word = (b: Buffer, o: number) => (c64 ? u64(b, o) : u32(b, o));
  const inFile = (off: number, len: number) => off >= 0 && len > 0 && off + len <= size;
  const out: Layout = { data: [], code: [], machine: u16(ident, 18), fixed: u16(ident, 16) === 2, go: false };
  const shoff = word(ident, c64 ? 0x28 : 0x20);
  const shentsize = u16(ident, c64 ? 0x3a : 0x2e);
  const shnum = u16(ident, c64 ? 0x3c : 0x30);
  const shstrndx = u16(ident, c64 ? 0x3e : 0x32);
  if (shoff > 0 && shnum > 0 && shentsize >= (c64 ? 64 : 40) && inFile(shoff, shnum * shentsize)) {
    const sh = read(shoff, shnum * shentsize);
    const field = (i: number) => {
      const o = i * shentsize;
      return {
        name: u32(sh, o), type: u32(sh, o + 4), flags: word(sh, o + 8), addr: word(sh, c64 ? o + 0x10 : o + 0x0c),
        offset: word(sh, c64 ? o + 0x18 : o + 0x10), size: word(sh, c64 ? o + 0x20 : o + 0x14),
      };
    };
    let names: Buffer = Buffer.alloc(0);
    if (shstrndx < shnum) {
      const s = field(shstrndx);
      if (inFile(s.offset, Math.min(s.size, 1 << 20))) names = read(s.offset, Math.min(s.size, 1 << 20));
    }
    const nameOf = (i: number) => {
      const end = names.indexOf(0, i);
      return i < names.length ? names.toString('latin1', i, end < 0 ? names.length : end) : '';
    };
    for (let i = 1; i < shnum; i++) {
      const s = field(i);
      const name = nameOf(s.name);
      if (/^\.(go\.buildinfo|gopclntab|note\.go\.buildid)$/.test(name)) out.go = true;
      if (s.type !== SHT_PROGBITS || !(s.flags & SHF_ALLOC) || !inFile(s.offset, s.size)) continue;
      const r = { offset: s.offset, size: s.size, addr: s.addr };
      if (s.flags & SHF_EXECINSTR) out.code.push(r);
      else if ((!(s.flags & SHF_WRITE) || name.startsWith('.data.rel.ro')) && !NOT_LITERALS.test(name)) out.data.push(r);
    }
    if (out.data.length > 0) return out;
    out.code = [];
  }
  // no section headers (stripped of them): the segments that are neither writable nor executable
  const phoff = word(ident, c64 ? 0x20 : 0x1c);
  const phentsize = u16(ident, c64 ? 0x36 : 0x2a);
  const phnum = u16(ident, c64 ? 0x38 : 0x2c);
  if (phoff === 0 || phnum === 0 || phnum > 4096 || phentsize < (c64 ? 56 : 32) || !inFile(phoff, phnum * phentsize)) return out;
  const ph = read(phoff, phnum * phentsize);
  for (let i = 0; i < phnum; i++) {
    const o = i * phentsize;
    if (u32(ph, o) !== PT_LOAD) continue;
    const flags = u32(ph, c64 ? o + 4 : o + 24);
    const offset = c64 ? u64(ph, o + 8) : u32(ph, o + 4);
    const addr = c64 ? u64(ph, o + 16) : u32(ph, o + 8);
    const filesz = c64 ? u64(ph, o + 32) : u32(ph, o + 16);
    if (!inFile(offset, filesz)) continue;
    if (flags & PF_X) out.code.push({ offset, size: filesz, addr });
    else if (!(flags & PF_W)) out.data.push({ offset, size: filesz, addr });
  }
  return out;
}

/**
 * The string literals of an ELF file's read-only data; `words` only when asked (they are
 * many), with the literals merged into longer strings unless `tails` is false (finding them
 * reads the code).
 */
export function elfStrings(read: ReadAt, size: number, opts: { words?: boolean; tails?: boolean } = {}): ElfStrings {
  const paths = new Set<string>();
  const words = opts.words ? new Set<string>() : undefined;
  const layout = layoutOf(read, size);
  // addresses x86-64 code points at, as file offsets: literals merged into a longer string's end
  const targets = words && opts.tails !== false && layout.machine === EM_X86_64 ? codeTargets(read, layout) : [];
  scanData(read, layout, paths, words, targets);
  return { paths: [...paths], ...(words ? { words: [...words] } : {}), ...(layout.go ? { go: true } : {}) };
}

/**
 * What a kept ELF file names: its imports of exec and dlopen calls, its paths, and its whole
 * strings when it imports one of those calls (with the literals merged into longer strings
 * when it imports an exec call: finding them reads the code).
 */
export function namedBy(read: ReadAt, size: number): ElfStrings {
  const info = parseElf(read, size, { imports: true });
  const imports = info?.imports ?? [];
  const defines = info?.defines ?? [];
  const s = elfStrings(read, size, { words: imports.length > 0 || defines.length > 0, tails: imports.some((i) => EXEC_IMPORTS.includes(i)) });
  return { ...s, ...(imports.length ? { imports } : {}), ...(defines.length ? { defines } : {}) };
}

function scanData(read: ReadAt, layout: Layout, paths: Set<string>, words: Set<string> | undefined, targets: number[]): void {
  let ti = 0;
  for (const { offset: off, size: len } of layout.data) {
    let carry: Buffer = Buffer.alloc(0);
    for (let p = off; p < off + len; p += CHUNK) {
      const n = Math.min(CHUNK, off + len - p);
      const chunk = read(p, n);
      const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      const base = p - carry.length; // file offset of buf[0]
      const last = p + n >= off + len || chunk.length < n;
      // a string may cross into the next chunk: what follows the last NUL waits for it
      // (a Go string has no NUL: a run longer than MAX_STRING is cut there)
      const cut = last ? buf.length : Math.max(buf.lastIndexOf(0) + 1, buf.length - MAX_STRING);
      scanPaths(buf, cut, paths);
      if (words) {
        scanWords(buf, cut, words);
        while (ti < targets.length && targets[ti]! < base + cut) {
          const i = targets[ti++]! - base;
          if (i <= 0 || buf[i - 1] === 0) continue; // a whole string's start: already a word
          const nul = buf.indexOf(0, i);
          if (nul > i && nul - i <= MAX_WORD && printable(buf, i, nul)) words.add(buf.toString('latin1', i, nul));
        }
      }
      carry = Buffer.from(buf.subarray(Math.max(cut, buf.length - MAX_STRING)));
      if (last) break;
    }
  }
}

/**
 * Where x86-64 code points into read-only data (lea reg, [rip+disp32]; mov reg, imm32), as
 * sorted file offsets. A literal the linker merged into the end of a longer string ("xz" into
 * "unxz\0") is one such address in the middle of a string; a tail no code points at is only
 * part of the longer string.
 */
export function codeTargets(read: ReadAt, layout: Layout): number[] {
  const data = layout.data;
  const toOffset = (a: number): number | undefined => {
    for (const r of data) if (a >= r.addr && a < r.addr + r.size) return r.offset + (a - r.addr);
    return undefined;
  };
  const lo = Math.min(...data.map((r) => r.addr));
  const hi = Math.max(...data.map((r) => r.addr + r.size));
  const out = new Set<number>();
  const add = (a: number) => {
    if (a < lo || a >= hi) return;
    const o = toOffset(a);
    if (o !== undefined) out.add(o);
  };
  for (const c of layout.code) {
    for (let p = 0; p < c.size; p += CHUNK) {
      // 7 bytes of overlap: an instruction across the chunk boundary
      const n = Math.min(CHUNK + 7, c.size - p);
      const b = read(c.offset + p, n);
      const end = Math.min(b.length, CHUNK);
      // REX.W (or REX.WR) lea with a rip-relative operand: 48/4c 8d modrm(00 reg 101) disp32
      for (let j = b.indexOf(0x8d, 1); j >= 0 && j < end + 1; j = b.indexOf(0x8d, j + 1)) {
        const x = b[j - 1];
        if ((x === 0x48 || x === 0x4c) && j + 6 <= b.length && (b[j + 1]! & 0xc7) === 0x05) add(c.addr + p + j + 6 + b.readInt32LE(j + 2));
      }
      if (!layout.fixed) continue;
      // mov r32, imm32: a program loaded at a fixed address holds data addresses as immediates
      for (let i = 0; i < end; i++) {
        const x = b[i]!;
        if (x >= 0xb8 && x <= 0xbf && i + 5 <= b.length) add(b.readUInt32LE(i + 1));
      }
    }
  }
  return [...out].sort((a, b) => a - b);
}

/** Path runs in buf[0, end): each maximal run of path characters holding a '/'. */
function scanPaths(buf: Buffer, end: number, out: Set<string>): void {
  let i = 0;
  while (i < end && out.size < MAX_PATHS) {
    const slash = buf.indexOf(0x2f, i);
    if (slash < 0 || slash >= end) return;
    let s = slash;
    while (s > i && pathChar(buf[s - 1]!)) s--;
    let e = slash + 1;
    while (e < end && pathChar(buf[e]!)) e++;
    i = e;
    if (e - s > MAX_STRING) continue;
    for (const part of buf.toString('latin1', s, e).split(':')) {
      // a glued run ("text/html", or a Go string run into the next) counts from its first '/'
      const at = part.indexOf('/');
      if (at < 0) continue;
      const p = part.slice(at);
      if (p.length >= 3 && /[A-Za-z]/.test(p)) out.add(p);
    }
  }
}

/** NUL-terminated printable strings in buf[0, end). */
function scanWords(buf: Buffer, end: number, out: Set<string>): void {
  let s = 0;
  while (s < end && out.size < MAX_WORDS) {
    let e = buf.indexOf(0, s);
    if (e < 0 || e > end) e = end;
    if (e - s >= 1 && e - s <= MAX_WORD && printable(buf, s, e)) out.add(buf.toString('latin1', s, e));
    s = e + 1;
  }
}

function printable(buf: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = buf[i]!;
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}
