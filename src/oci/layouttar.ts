// A deterministic tar of a layout directory (sorted, mtime 0, uid/gid 0, fixed modes), streamed:
// the same bytes feed `docker load` and oci-archive files.
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeHeader, padding, ZEROS } from '../tar/index.js';

async function walk(root: string, rel = ''): Promise<{ rel: string; dir: boolean; size: number }[]> {
  const out: { rel: string; dir: boolean; size: number }[] = [];
  const names = (await readdir(join(root, rel))).sort();
  for (const n of names) {
    const r = rel ? `${rel}/${n}` : n;
    const st = await stat(join(root, r));
    if (st.isDirectory()) {
      out.push({ rel: r, dir: true, size: 0 });
      out.push(...(await walk(root, r)));
    } else if (st.isFile()) {
      out.push({ rel: r, dir: false, size: st.size });
    }
  }
  return out;
}

/**
 * `replace` substitutes the bytes of top-level files (e.g. index.json under another name);
 * `omit` leaves top-level files out (the OCI ones, for a docker-archive).
 */
export async function* layoutTar(dir: string, replace?: Map<string, Buffer>, omit?: ReadonlySet<string>): AsyncGenerator<Buffer> {
  for (const f of await walk(dir)) {
    if (omit?.has(f.rel)) continue;
    const bytes = replace?.get(f.rel);
    if (bytes) {
      yield encodeHeader({ name: f.rel, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, size: bytes.length });
      yield Buffer.concat([bytes, ZEROS.subarray(0, padding(bytes.length))]);
      continue;
    }
    yield encodeHeader({
      name: f.dir ? `${f.rel}/` : f.rel,
      type: f.dir ? 'dir' : 'file',
      mode: f.dir ? 0o755 : 0o644,
      uid: 0,
      gid: 0,
      mtime: 0,
      size: f.size,
    });
    if (f.dir) continue;
    let n = 0;
    for await (const c of createReadStream(join(dir, f.rel), { highWaterMark: 1 << 20 })) {
      n += (c as Buffer).length;
      if (n > f.size) throw new Error(`${f.rel} grew while being archived`);
      yield c as Buffer;
    }
    if (n !== f.size) throw new Error(`${f.rel} shrank while being archived`);
    if (padding(f.size)) yield ZEROS.subarray(0, padding(f.size));
  }
  yield ZEROS;
}
