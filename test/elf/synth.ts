// Synthetic ELF files for any class, byte order and machine: just the headers, PT_LOAD,
// PT_INTERP and PT_DYNAMIC that parseElf and resolveLibraries look at.
export interface SynthOptions {
  cls: 32 | 64;
  endian: 'le' | 'be';
  machine: number;
  type?: 'exec' | 'dyn';
  interpreter?: string;
  needed?: string[];
  soname?: string;
  rpath?: string;
  runpath?: string;
  flags1?: number;
}

export function synthElf(o: SynthOptions): Buffer {
  const is64 = o.cls === 64;
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const dynEnt = is64 ? 16 : 8;
  const base = 0x400000;

  // String table.
  const strs: string[] = [];
  let strtab = Buffer.from([0]);
  const str = (s: string) => {
    const off = strtab.length;
    strtab = Buffer.concat([strtab, Buffer.from(s + '\0')]);
    strs.push(s);
    return off;
  };
  const dyn: Array<[number, number]> = [];
  for (const n of o.needed ?? []) dyn.push([1, str(n)]);
  if (o.soname) dyn.push([14, str(o.soname)]);
  if (o.rpath) dyn.push([15, str(o.rpath)]);
  if (o.runpath) dyn.push([29, str(o.runpath)]);
  if (o.flags1 !== undefined) dyn.push([0x6ffffffb, o.flags1]);

  const phnum = 1 + (o.interpreter ? 1 : 0) + (dyn.length ? 1 : 0);
  const interp = o.interpreter ? Buffer.from(o.interpreter + '\0') : Buffer.alloc(0);
  const interpOff = ehsize + phnum * phentsize;
  const strOff = interpOff + interp.length;
  dyn.push([5, base + strOff], [10, strtab.length], [0, 0]);
  const dynOff = strOff + strtab.length + ((8 - ((strOff + strtab.length) % 8)) % 8);
  const total = dynOff + (dyn.length ? dyn.length * dynEnt : 0);
  const b = Buffer.alloc(total);

  const le = o.endian === 'le';
  const u16 = (v: number, at: number) => (le ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at));
  const u32 = (v: number, at: number) => (le ? b.writeUInt32LE(v >>> 0, at) : b.writeUInt32BE(v >>> 0, at));
  const u64 = (v: number, at: number) => (le ? b.writeBigUInt64LE(BigInt(v), at) : b.writeBigUInt64BE(BigInt(v), at));
  const word = (v: number, at: number) => (is64 ? u64(v, at) : u32(v, at));

  b.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, le ? 1 : 2, 1], 0);
  u16(o.type === 'dyn' ? 3 : 2, 16);
  u16(o.machine, 18);
  u32(1, 20);
  word(ehsize, is64 ? 0x20 : 0x1c); // e_phoff
  u16(ehsize, is64 ? 0x34 : 0x28);
  u16(phentsize, is64 ? 0x36 : 0x2a);
  u16(phnum, is64 ? 0x38 : 0x2c);

  let ph = ehsize;
  const phdr = (type: number, off: number, size: number) => {
    u32(type, ph);
    if (is64) {
      u64(off, ph + 8);
      u64(base + off, ph + 16);
      u64(base + off, ph + 24);
      u64(size, ph + 32);
      u64(size, ph + 40);
    } else {
      u32(off, ph + 4);
      u32(base + off, ph + 8);
      u32(base + off, ph + 12);
      u32(size, ph + 16);
      u32(size, ph + 20);
    }
    ph += phentsize;
  };
  phdr(1, 0, total);
  if (o.interpreter) phdr(3, interpOff, interp.length);
  if (dyn.length) phdr(2, dynOff, dyn.length * dynEnt);

  interp.copy(b, interpOff);
  strtab.copy(b, strOff);
  dyn.forEach(([tag, val], i) => {
    word(tag, dynOff + i * dynEnt);
    word(val, dynOff + i * dynEnt + dynEnt / 2);
  });
  return b;
}
