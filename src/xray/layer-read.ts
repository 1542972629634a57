// One pass over a layer tar: its entries (metadata), a sha256 of every regular file big
// enough to matter for duplicates, and the bytes of the few dpkg files xray parses. Reading
// contents while they stream by means nothing is decompressed to disk or read twice.
import { createHash } from 'node:crypto';
import { iterateTar, toTarEntry, type TarEntry, type TarSource } from '../tar/index.js';

/** A tar source that can also hand its next bytes to a sink (ChunkSource does). */
export interface CopySource extends TarSource {
  copy(n: number, sink: (chunk: Buffer) => void): Promise<void>;
}

export interface LayerContents {
  entries: TarEntry[];
  /** sha256 (hex) of regular files >= the duplicate threshold, by content offset. */
  hashes: Map<number, string>;
  /** Contents of the dpkg files xray reads, by content offset. */
  kept: Map<number, Buffer>;
  /** Where this layer's package database files are (path → content offset): which layer brought a package. */
  dbFiles: Map<string, number>;
}

const KEEP = /^\/(?:var\/lib\/dpkg\/(status|status\.d\/[^/]+|info\/[^/]+\.list)|lib\/apk\/db\/installed)$/;
const DB_FILE = /^\/(?:var\/lib\/dpkg\/(status|status\.d\/[^/.]+)|lib\/apk\/db\/installed)$/;
const KEEP_MAX = 32 << 20;

export async function readLayerContents(src: CopySource, label: string, dupMinSize: number): Promise<LayerContents> {
  const entries: TarEntry[] = [];
  const hashes = new Map<number, string>();
  const kept = new Map<number, Buffer>();
  const dbFiles = new Map<string, number>();
  for await (const raw of iterateTar(src)) {
    const e = toTarEntry(raw, label);
    if (!e) continue;
    // Names of owners are not used: drop them, every layer's entries may be held at once.
    delete e.uname;
    delete e.gname;
    entries.push(e);
    if (e.type !== 'file' || e.size === 0) continue;
    const keep = e.size <= KEEP_MAX && KEEP.test(e.path);
    if (!keep && e.size < dupMinSize) continue;
    const h = createHash('sha256');
    const parts: Buffer[] = [];
    await src.copy(e.size, (c) => {
      h.update(c);
      if (keep) parts.push(Buffer.from(c));
    });
    hashes.set(e.dataOffset, h.digest('hex'));
    if (keep) kept.set(e.dataOffset, Buffer.concat(parts));
    if (keep && DB_FILE.test(e.path)) dbFiles.set(e.path, e.dataOffset);
  }
  return { entries, hashes, kept, dbFiles };
}
