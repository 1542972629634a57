// Both readers of an engine image — the engine-side walk (default) and the layer export
// (--read layers) — give the same merged index and the same layer bytes, on every sample and
// trouble image. The differences that remain are the engine's own, documented in README.md:
// files its init layer puts in every container over the image's, the mtime of the dirs it
// writes them into, user names in tar headers, and which name of a hardlinked file the
// image's (imported) tar listed first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walkEngineImage, WALK_LABEL, WALKER_PATH } from '../../src/image/engine-walk.js';
import { OWNER_LABEL, ownerId } from '../../src/engine/reaper.js';
import { layerFiles, type ImageFiles } from '../../src/image/files.js';
import { readImage } from '../../src/image/read.js';
import type { FsEntry } from '../../src/image/types.js';
import { INIT_PARENTS } from '../../src/image/walk-index.js';
import { orderEntries } from '../../src/oci/order.js';
import type { WriteEntry } from '../../src/oci/types.js';
import { writeImage } from '../../src/oci/write.js';
import { discard } from '../../src/sink/index.js';
import { docker } from '../helpers/docker.js';
import { buildLatent, buildSample, buildTrouble, ensureCli } from '../slim/e2e.js';

/** Paths the engine's init layer replaces in every container: never visible from one. */
const SHADOWED = new Set(['/etc/hosts', '/etc/hostname', '/etc/resolv.conf', '/etc/mtab', '/dev/console', '/.dockerenv']);

const IMAGES: Array<[string, () => string]> = [
  ...['nginx', 'batch', 'redis', 'nonroot-health', 'express', 'flask', 'fastapi', 'shell-entrypoint'].map((n) => [`sample ${n}`, () => buildSample(n)] as [string, () => string]),
  ...['failfast', 'fcaps', 'links', 'nocmd', 'noport', 'privs', 'pyimports', 'statefulinit'].map((n) => [`trouble ${n}`, () => buildTrouble(n)] as [string, () => string]),
  ...['jvmweb', 'nodeweb', 'pgtz', 'pyweb', 'rubyshell'].map((n) => [`latent ${n}`, () => buildLatent(n)] as [string, () => string]),
];

const hex = (x?: Record<string, Buffer>) => JSON.stringify(Object.entries(x ?? {}).map(([k, v]) => [k, v.toString('hex')]).sort());

function meta(e: FsEntry, withMtime: boolean): string {
  return JSON.stringify({
    type: e.type === 'hardlink' ? 'file' : e.type, mode: e.mode.toString(8), uid: e.uid, gid: e.gid,
    mtime: withMtime ? e.mtime : undefined, size: e.content?.size ?? e.size,
    link: e.type === 'symlink' ? e.linkname : undefined,
    dev: e.type === 'char' || e.type === 'block' ? `${e.devmajor},${e.devminor}` : undefined, xattrs: hex(e.xattrs),
  });
}

interface Compared {
  diffs: string[];
  /** Hardlink groups whose first name differs (same names, same inode): tar order is not in any container. */
  headless: Set<string>;
  shadowedInImage: string[];
}

function compareIndexes(layers: ImageFiles, engine: ImageFiles): Compared {
  const diffs: string[] = [];
  const headless = new Set<string>();
  const shadowedInImage: string[] = [];
  for (const e of layers.index.entries()) {
    if (SHADOWED.has(e.path)) {
      shadowedInImage.push(e.path);
      continue;
    }
    const w = engine.index.get(e.path);
    if (!w) { diffs.push(`${e.path}: missing from the walk`); continue; }
    const a = meta(e, !INIT_PARENTS.includes(e.path));
    const b = meta(w, !INIT_PARENTS.includes(e.path));
    if (a !== b) diffs.push(`${e.path}: ${a} → ${b}`);
    if (e.type === 'file' || e.type === 'hardlink') {
      const ga = layers.index.hardlinkGroup(e.path).join(' ');
      const gb = engine.index.hardlinkGroup(e.path).join(' ');
      if (ga !== gb) diffs.push(`${e.path}: hardlinked with ${ga} → ${gb}`);
      else if (e.type !== w.type || (e.type === 'hardlink' && e.linkname !== w.linkname)) headless.add(e.path);
    }
  }
  for (const w of engine.index.entries()) {
    if (!layers.index.get(w.path)) diffs.push(`${w.path}: only in the walk`);
  }
  return { diffs, headless, shadowedInImage };
}

/**
 * The entries a layer is written from: every non-file entry, files that are special (hardlinked,
 * setuid/setgid, with xattrs) and every 10th file of at most 64 KiB, user names left out.
 */
function subset(files: ImageFiles, skip: Set<string>): { entries: WriteEntry[]; planned: FsEntry[] } {
  const entries: WriteEntry[] = [];
  const planned: FsEntry[] = [];
  let n = 0;
  for (const e of files.index.entries()) {
    if (SHADOWED.has(e.path) || INIT_PARENTS.includes(e.path) || skip.has(e.path)) continue;
    const size = e.content?.size ?? e.size;
    const special = e.type === 'hardlink' || (e.type === 'file' && (e.mode & 0o6000 || e.xattrs || files.index.hardlinkGroup(e.path).length > 1));
    if (e.type === 'file' && !special && (size > 64 << 10 || n++ % 10 !== 0)) continue;
    const { dataOffset: _d, layer: _l, content: _c, uname: _u, gname: _g, ...w } = e;
    const out: WriteEntry = { ...w };
    if (e.type === 'file') {
      out.open = () => files.open(e);
      planned.push(e);
    }
    entries.push(out);
  }
  return { entries, planned };
}

async function layerOf(files: ImageFiles, skip: Set<string>): Promise<{ diffId: string; files: number }> {
  const { entries, planned } = subset(files, skip);
  const byPath = new Map(planned.map((e) => [e.path, e]));
  files.plan(orderEntries(entries).flatMap((w) => byPath.get(w.path) ?? []));
  const written = await writeImage({ config: { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }, history: {}, entries });
  await discard(written);
  return { diffId: written.layerDiffId, files: planned.length };
}

beforeAll(() => ensureCli());
const open: ImageFiles[] = [];
afterAll(async () => {
  for (const f of open.splice(0)) await f.close().catch(() => undefined);
});

describe('engine-side reader vs layer reader', () => {
  it.each(IMAGES)('%s: same index, same bytes', async (_name, build) => {
    const ref = build();
    const engine = await walkEngineImage(ref, { walkerPath: WALKER_PATH });
    open.push(engine);
    const layers = await layerFiles(await readImage(ref));
    open.push(layers);

    const { diffs, headless, shadowedInImage } = compareIndexes(layers, engine);
    expect(diffs).toEqual([]);
    expect(engine.index.size).toBe(layers.index.size - shadowedInImage.length);
    // the engine reader never shows what the init layer put there
    for (const p of SHADOWED) expect(engine.index.get(p), p).toBeUndefined();

    // facts' reads: the same bytes at the head and at the end of every planned file
    const skip = new Set([...headless].flatMap((p) => layers.index.hardlinkGroup(p)));
    const a = await layerOf(layers, skip);
    const b = await layerOf(engine, skip);
    expect(b.files).toBe(a.files);
    expect(b.diffId).toBe(a.diffId);

    let checked = 0;
    for (const e of layers.index.entries()) {
      if (e.type !== 'file' || skip.has(e.path) || SHADOWED.has(e.path) || checked >= 20) continue;
      const size = e.content?.size ?? 0;
      const w = engine.index.get(e.path)!;
      for (const off of [0, Math.max(0, size - 100)]) expect(engine.read(w, off, 4096).equals(layers.read(e, off, 4096)), e.path).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
    await engine.close();
    await layers.close();
    // nothing of the walk is left in the engine
    expect(docker(['ps', '-aq', '--filter', `label=${WALK_LABEL}`, '--filter', `label=${OWNER_LABEL}=${ownerId()}`]).stdout.trim()).toBe('');
  }, 600_000);
});
