// ELF header facts for library resolution, read through a random-access callback so the
// same code works on host files and on files inside image layers. Reads only the ELF
// header, the program headers, PT_INTERP, PT_DYNAMIC and the dynamic string table.

/** Reads `length` bytes at `offset`; may return fewer at end of file. */
export type ReadAt = (offset: number, length: number) => Buffer;

export const EM_386 = 3;
export const EM_MIPS = 8;
export const EM_PPC = 20;
export const EM_PPC64 = 21;
export const EM_S390 = 22;
export const EM_ARM = 40;
export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;
export const EM_RISCV = 243;
export const EM_LOONGARCH = 258;

export type ElfType = 'rel' | 'exec' | 'dyn' | 'core' | 'other';

export interface ElfInfo {
  class: 32 | 64;
  endian: 'le' | 'be';
  /** e_machine (EM_X86_64, EM_AARCH64...). */
  machine: number;
  type: ElfType;
  /** PT_INTERP path, e.g. "/lib64/ld-linux-x86-64.so.2". */
  interpreter?: string;
  /** DT_NEEDED names in order. */
  needed: string[];
  /** DT_RPATH split on ':' (undefined when absent). */
  rpath?: string[];
  /** DT_RUNPATH split on ':' (undefined when absent). */
  runpath?: string[];
  soname?: string;
  /** DF_1_NODEFLIB: skip ld.so.cache and the default dirs. */
  nodeflib: boolean;
  /** No PT_INTERP and no DT_NEEDED. */
  static: boolean;
  /**
   * The dynamic symbols of WATCHED_SYMBOLS this object names (imports or defines): how the
   * selector tells that a program can reach on-demand data (iconv_open: gconv modules).
   */
  symbols?: string[];
  /**
   * The dynamic symbols of IMPORTED_WATCH this object imports (undefined in its .dynsym, not
   * defined by it): how the selector tells a program that starts programs or loads libraries
   * by name (libc defines execvp; a program that calls it imports it). Only with
   * `{ imports: true }`, which reads the dynamic symbol table.
   */
  imports?: string[];
  /**
   * The module-import functions (MODULE_IMPORTS) this object defines: it is the interpreter
   * itself (libruby defines rb_require, and calls it with names of its own). Only with `{ imports: true }`.
   */
  defines?: string[];
  /** The names of the dynamic symbols this object defines (only from `exportedNames`). */
  exports?: string[];
}

/**
 * Dynamic symbols whose presence means a data set may be loaded at run time: iconv_open (gconv
 * modules); the local-time calls, which read the zone `TZ` names when the container is run with one.
 */
export const LOCAL_TIME_SYMBOLS = ['localtime', 'localtime_r', 'mktime', 'tzset', 'strftime'];
const WATCHED_SYMBOLS = ['iconv_open', ...LOCAL_TIME_SYMBOLS];

/** Imports that start a program found through PATH (or a shell command line). */
export const EXEC_IMPORTS = ['execvp', 'execlp', 'execvpe', 'posix_spawnp', 'system', 'popen'];
/** Imports that load a library by name. */
export const DLOPEN_IMPORTS = ['dlopen', 'dlmopen'];
/**
 * Imports by which compiled code loads an interpreter's module by a name written in C: an
 * extension module or an embedding program (Python's, Ruby's and Perl's C API), e.g.
 * `rb_require("psych/syntax_error")`, `PyImport_ImportModule("_strptime")`.
 */
export const MODULE_IMPORTS: Readonly<Record<string, 'python' | 'ruby' | 'perl'>> = {
  PyImport_ImportModule: 'python', PyImport_ImportModuleNoBlock: 'python', PyImport_ImportModuleLevel: 'python',
  // Cython's and pybind11's imports: the name is an object made from a string in the same data
  PyImport_ImportModuleLevelObject: 'python', PyImport_Import: 'python',
  PyImport_ImportModuleAttrString: 'python', _PyImport_GetModuleAttrString: 'python',
  rb_require: 'ruby', rb_require_string: 'ruby', rb_f_require: 'ruby',
  Perl_load_module: 'perl', Perl_load_module_nocontext: 'perl', Perl_require_pv: 'perl',
};
const IMPORTED_WATCH = [...EXEC_IMPORTS, ...DLOPEN_IMPORTS, ...Object.keys(MODULE_IMPORTS)];

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const DT_STRSZ = 10;
const DT_SYMTAB = 6;
const DT_HASH = 4;
const DT_SYMENT = 11;
const SHT_DYNSYM = 11;
const MAX_SYMTAB_BYTES = 16 << 20;
const DT_SONAME = 14;
const DT_RPATH = 15;
const DT_RUNPATH = 29;
const DT_FLAGS_1 = 0x6ffffffb;
const DF_1_NODEFLIB = 0x800;
const PN_XNUM = 0xffff;

// Caps so a corrupt header cannot make us read gigabytes.
const MAX_PHNUM = 4096;
const MAX_DYN_BYTES = 1 << 20;
const MAX_STRTAB_BYTES = 16 << 20;

interface Phdr {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
}

/** True when the first bytes are the ELF magic. */
export function isElfMagic(b: Buffer): boolean {
  return b.length >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;
}

/** Parses the ELF facts of a file of `size` bytes, or undefined if it is not a usable ELF. */
export function parseElf(read: ReadAt, size: number, opts: { imports?: boolean } = {}): ElfInfo | undefined {
  try {
    return parse(read, size, opts.imports === true ? 'imports' : undefined);
  } catch (err) {
    if (err instanceof Truncated) return undefined;
    throw err;
  }
}

class Truncated extends Error {}

/**
 * The symbols an object defines in its dynamic symbol table (what it exports), or undefined
 * when it has none: the C library's tell which words are the names of its calls.
 */
export function exportedNames(read: ReadAt, size: number): Set<string> | undefined {
  try {
    const info = parse(read, size, 'exports');
    return info?.exports ? new Set(info.exports) : undefined;
  } catch (err) {
    if (err instanceof Truncated) return undefined;
    throw err;
  }
}

function parse(read: ReadAt, size: number, symbols?: 'imports' | 'exports'): ElfInfo | undefined {
  if (size < 52) return undefined;
  const ident = read(0, 64);
  if (!isElfMagic(ident) || ident.length < 52) return undefined;
  const cls = ident[4] === 1 ? 32 : ident[4] === 2 ? 64 : 0;
  const endian = ident[5] === 1 ? 'le' : ident[5] === 2 ? 'be' : undefined;
  if (!cls || !endian) return undefined;
  if (cls === 64 && ident.length < 64) return undefined;
  const r = new Reader(endian, cls);

  const etype = r.u16(ident, 16);
  const machine = r.u16(ident, 18);
  const phoff = cls === 64 ? r.u64(ident, 0x20) : r.u32(ident, 0x1c);
  const shoff = cls === 64 ? r.u64(ident, 0x28) : r.u32(ident, 0x20);
  const phentsize = r.u16(ident, cls === 64 ? 0x36 : 0x2a);
  let phnum = r.u16(ident, cls === 64 ? 0x38 : 0x2c);
  if (phnum === PN_XNUM && shoff > 0) {
    // Real count lives in sh_info of section 0.
    const sh = readExact(read, shoff, cls === 64 ? 64 : 40, size);
    phnum = r.u32(sh, cls === 64 ? 0x2c : 0x1c);
  }
  const info: ElfInfo = {
    class: cls,
    endian,
    machine,
    type: etype === 1 ? 'rel' : etype === 2 ? 'exec' : etype === 3 ? 'dyn' : etype === 4 ? 'core' : 'other',
    needed: [],
    nodeflib: false,
    static: true,
  };
  const minEnt = cls === 64 ? 56 : 32;
  if (phoff === 0 || phnum === 0 || phentsize < minEnt || phnum > MAX_PHNUM) return info;

  const table = readExact(read, phoff, phnum * phentsize, size);
  const phdrs: Phdr[] = [];
  for (let i = 0; i < phnum; i++) phdrs.push(r.phdr(table, i * phentsize));
  const loads = phdrs.filter((p) => p.type === PT_LOAD);

  const interp = phdrs.find((p) => p.type === PT_INTERP);
  if (interp && interp.filesz > 0 && interp.filesz < 4096) {
    info.interpreter = cstring(readExact(read, interp.offset, interp.filesz, size), 0);
  }

  const dyn = phdrs.find((p) => p.type === PT_DYNAMIC);
  if (dyn && dyn.filesz > 0) {
    const buf = readExact(read, dyn.offset, Math.min(dyn.filesz, MAX_DYN_BYTES), size);
    const entSize = cls === 64 ? 16 : 8;
    const tags: Array<[number, number]> = [];
    for (let off = 0; off + entSize <= buf.length; off += entSize) {
      const tag = r.sword(buf, off);
      if (tag === DT_NULL) break;
      tags.push([tag, r.word(buf, off + entSize / 2)]);
    }
    const strtabAddr = tags.find(([t]) => t === DT_STRTAB)?.[1];
    const strsz = tags.find(([t]) => t === DT_STRSZ)?.[1];
    const strOff = strtabAddr === undefined ? undefined : vaddrToOffset(loads, strtabAddr);
    if (strOff !== undefined) {
      const len = Math.min(strsz ?? MAX_STRTAB_BYTES, MAX_STRTAB_BYTES, size - strOff);
      const strtab = len > 0 ? read(strOff, len) : Buffer.alloc(0);
      const str = (i: number) => (i < strtab.length ? cstring(strtab, i) : undefined);
      const watched = WATCHED_SYMBOLS.filter((w) => strtab.includes(`\0${w}\0`));
      if (watched.length) info.symbols = watched;
      if (symbols === 'imports' && IMPORTED_WATCH.some((w) => strtab.includes(`\0${w}\0`))) {
        const imports = symbolsOf(read, size, r, tags, loads, strtab, shoff, ident, 'imports');
        if (imports.length) info.imports = imports;
        const named = Object.keys(MODULE_IMPORTS).filter((f) => strtab.includes(`\0${f}\0`) && !imports.includes(f));
        const defines = named.length ? symbolsOf(read, size, r, tags, loads, strtab, shoff, ident, 'exports').filter((f) => named.includes(f)) : [];
        if (defines.length) info.defines = defines;
      }
      if (symbols === 'exports') info.exports = symbolsOf(read, size, r, tags, loads, strtab, shoff, ident, 'exports');
      for (const [tag, val] of tags) {
        if (tag === DT_NEEDED) {
          const s = str(val);
          if (s) info.needed.push(s);
        } else if (tag === DT_RPATH || tag === DT_RUNPATH) {
          const s = str(val);
          if (s === undefined) continue;
          const dirs = s.split(':').filter((d) => d !== '');
          if (tag === DT_RPATH) info.rpath = [...(info.rpath ?? []), ...dirs];
          else info.runpath = [...(info.runpath ?? []), ...dirs];
        } else if (tag === DT_SONAME) {
          info.soname = str(val);
        }
      }
    }
    const flags1 = tags.find(([t]) => t === DT_FLAGS_1)?.[1];
    if (flags1 !== undefined) info.nodeflib = (flags1 & DF_1_NODEFLIB) !== 0;
  }
  info.static = info.interpreter === undefined && info.needed.length === 0;
  return info;
}

/**
 * The IMPORTED_WATCH names among the undefined symbols of .dynsym, or (exports) the names of
 * its defined symbols. Its entry count is the SHT_DYNSYM section's size, else DT_HASH's nchain,
 * else the distance to .dynstr (which the linkers place right after it); a symbol of unknown
 * definedness counts as imported.
 */
function symbolsOf(read: ReadAt, size: number, r: Reader, tags: Array<[number, number]>, loads: Phdr[], strtab: Buffer, shoff: number, ident: Buffer, which: 'imports' | 'exports'): string[] {
  const cls = ident[4] === 1 ? 32 : 64;
  const entSize = tags.find(([t]) => t === DT_SYMENT)?.[1] ?? (cls === 64 ? 24 : 16);
  const symAddr = tags.find(([t]) => t === DT_SYMTAB)?.[1];
  const symOff = symAddr === undefined ? undefined : vaddrToOffset(loads, symAddr);
  const fallback = which === 'exports' ? [] : IMPORTED_WATCH.filter((w) => strtab.includes(`\0${w}\0`));
  if (symOff === undefined || entSize < (cls === 64 ? 24 : 16)) return fallback;
  let count: number | undefined;
  const shentsize = r.u16(ident, cls === 64 ? 0x3a : 0x2e);
  const shnum = r.u16(ident, cls === 64 ? 0x3c : 0x30);
  if (shoff > 0 && shnum > 0 && shnum < 65280 && shentsize >= (cls === 64 ? 64 : 40) && shoff + shnum * shentsize <= size) {
    const sh = read(shoff, shnum * shentsize);
    for (let i = 0; i < shnum && (i + 1) * shentsize <= sh.length; i++) {
      const o = i * shentsize;
      if (r.u32(sh, o + 4) !== SHT_DYNSYM) continue;
      const shSize = cls === 64 ? r.u64(sh, o + 0x20) : r.u32(sh, o + 0x14);
      count = Math.floor(shSize / entSize);
    }
  }
  const hashAddr = tags.find(([t]) => t === DT_HASH)?.[1];
  const hashOff = hashAddr === undefined ? undefined : vaddrToOffset(loads, hashAddr);
  if (count === undefined && hashOff !== undefined && hashOff + 8 <= size) count = r.u32(read(hashOff, 8), 4);
  const strAddr = tags.find(([t]) => t === DT_STRTAB)?.[1];
  const strOff = strAddr === undefined ? undefined : vaddrToOffset(loads, strAddr);
  if (count === undefined && strOff !== undefined && strOff > symOff) count = Math.floor((strOff - symOff) / entSize);
  if (count === undefined) return fallback;
  const bytes = Math.min(count * entSize, MAX_SYMTAB_BYTES, size - symOff);
  if (bytes <= 0) return fallback;
  const table = read(symOff, bytes);
  const want = new Set(IMPORTED_WATCH);
  const out = new Set<string>();
  for (let o = 0; o + entSize <= table.length; o += entSize) {
    const name = r.u32(table, o);
    const shndx = cls === 64 ? r.u16(table, o + 6) : r.u16(table, o + 14);
    if ((shndx !== 0) !== (which === 'exports') || name === 0 || name >= strtab.length) continue;
    const s = cstring(strtab, name);
    if (which === 'exports' || want.has(s)) out.add(s);
  }
  return which === 'exports' ? [...out] : IMPORTED_WATCH.filter((w) => out.has(w));
}

function vaddrToOffset(loads: Phdr[], vaddr: number): number | undefined {
  for (const p of loads) {
    if (vaddr >= p.vaddr && vaddr < p.vaddr + p.filesz) return p.offset + (vaddr - p.vaddr);
  }
  return undefined;
}

function readExact(read: ReadAt, offset: number, length: number, size: number): Buffer {
  if (offset < 0 || length < 0 || offset + length > size) throw new Truncated();
  const b = read(offset, length);
  if (b.length < length) throw new Truncated();
  return b;
}

function cstring(b: Buffer, start: number): string {
  let end = b.indexOf(0, start);
  if (end < 0) end = b.length;
  return b.toString('utf8', start, end);
}

/** Endian- and class-aware field reads; 64-bit values become numbers (offsets fit). */
class Reader {
  constructor(
    private readonly endian: 'le' | 'be',
    private readonly cls: 32 | 64,
  ) {}
  u16(b: Buffer, o: number): number {
    return this.endian === 'le' ? b.readUInt16LE(o) : b.readUInt16BE(o);
  }
  u32(b: Buffer, o: number): number {
    return this.endian === 'le' ? b.readUInt32LE(o) : b.readUInt32BE(o);
  }
  u64(b: Buffer, o: number): number {
    const v = this.endian === 'le' ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  }
  word(b: Buffer, o: number): number {
    return this.cls === 64 ? this.u64(b, o) : this.u32(b, o);
  }
  /** Signed word, for d_tag; values outside the safe range cannot match a known tag. */
  sword(b: Buffer, o: number): number {
    if (this.cls === 32) return this.endian === 'le' ? b.readInt32LE(o) : b.readInt32BE(o);
    const v = this.endian === 'le' ? b.readBigInt64LE(o) : b.readBigInt64BE(o);
    return v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER) ? -1 : Number(v);
  }
  phdr(b: Buffer, o: number): Phdr {
    if (this.cls === 64) {
      return { type: this.u32(b, o), offset: this.u64(b, o + 8), vaddr: this.u64(b, o + 16), filesz: this.u64(b, o + 32) };
    }
    return { type: this.u32(b, o), offset: this.u32(b, o + 4), vaddr: this.u32(b, o + 8), filesz: this.u32(b, o + 16) };
  }
}
