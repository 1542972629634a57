// Shared helpers for the writer/sink tests: entry builders, a static hello, tar listings.
import { execFileSync } from 'node:child_process';
import { createReadStream, readFileSync, statSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import type { ImageConfig } from '../../src/image/types.js';
import type { WriteEntry } from '../../src/oci/types.js';

type Meta = Partial<Omit<WriteEntry, 'path' | 'type' | 'open'>>;
const base = (path: string, type: WriteEntry['type'], m: Meta): WriteEntry => ({
  path, type, mode: 0o644, uid: 0, gid: 0, mtime: 1_600_000_000, size: 0, ...m,
});

export const dir = (path: string, m: Meta = {}): WriteEntry => base(path, 'dir', { mode: 0o755, ...m });
export const symlink = (path: string, target: string, m: Meta = {}): WriteEntry => base(path, 'symlink', { mode: 0o777, linkname: target, ...m });
export const hardlink = (path: string, target: string, m: Meta = {}): WriteEntry => base(path, 'hardlink', { linkname: target, ...m });
export const bytes = (path: string, content: Buffer | string, m: Meta = {}): WriteEntry => {
  const b = Buffer.from(content);
  return { ...base(path, 'file', { size: b.length, ...m }), open: () => Readable.from([b]) };
};
export const fromFile = (path: string, src: string, m: Meta = {}): WriteEntry => ({
  ...base(path, 'file', { mode: 0o755, size: statSync(src).size, ...m }),
  open: () => createReadStream(src),
});

export function scratchConfig(entrypoint: string[], extra: Record<string, unknown> = {}): ImageConfig {
  return {
    architecture: process.arch === 'arm64' ? 'arm64' : 'amd64',
    os: 'linux',
    config: { Entrypoint: entrypoint, Env: ['PATH=/usr/bin:/bin'] },
    rootfs: { type: 'layers', diff_ids: [] },
    ...extra,
  } as ImageConfig;
}

/** A static executable printing `line`; built with musl-gcc into `dir`. */
export function buildHello(dir: string, line = 'hello from slimts'): string {
  writeFileSync(`${dir}/hello.c`, `#include <stdio.h>\nint main(void){puts(${JSON.stringify(line)});return 0;}\n`);
  execFileSync('musl-gcc', ['-static', '-Os', '-s', '-o', `${dir}/hello`, `${dir}/hello.c`]);
  return `${dir}/hello`;
}

/** A static executable printing the CapEff line of /proc/self/status. */
export function buildCapEff(dir: string): string {
  writeFileSync(`${dir}/capeff.c`, [
    '#include <stdio.h>',
    '#include <string.h>',
    'int main(void){char l[256];FILE*f=fopen("/proc/self/status","r");if(!f)return 1;',
    'while(fgets(l,sizeof l,f))if(!strncmp(l,"CapEff:",7))fputs(l,stdout);return 0;}',
  ].join('\n'));
  execFileSync('musl-gcc', ['-static', '-Os', '-s', '-o', `${dir}/capeff`, `${dir}/capeff.c`]);
  return `${dir}/capeff`;
}

export interface Listed {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  size: number;
  linkname: string | null;
  pax: Record<string, string> | null;
  content?: Buffer;
}

/** Every entry of a tar (file contents kept when small). */
export async function listTar(input: Buffer | NodeJS.ReadableStream): Promise<Listed[]> {
  const ex = extract();
  const out: Listed[] = [];
  const src = Buffer.isBuffer(input) ? Readable.from([input]) : input;
  src.pipe(ex as unknown as NodeJS.WritableStream);
  for await (const e of ex) {
    const h = e.header;
    const parts: Buffer[] = [];
    for await (const c of e) parts.push(c as Buffer);
    out.push({
      name: h.name, type: h.type, mode: h.mode, uid: h.uid, gid: h.gid, mtime: h.mtime.getTime() / 1000,
      size: h.size, linkname: h.linkname, pax: (h.pax ?? null) as Record<string, string> | null,
      content: h.size <= 1 << 20 ? Buffer.concat(parts) : undefined,
    });
  }
  return out;
}

export const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8'));

/** vfs_cap_data v2 (20 bytes, little endian) granting cap_net_bind_service (10) +ep. */
export function netBindCapability(): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt32LE(0x02000001, 0); // VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE
  b.writeUInt32LE(1 << 10, 4); // permitted, low word
  return b;
}
