// readImage: one entry point for every image source (engine, docker-archive, OCI dir/archive).
import { mkdirSync, promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import type Dockerode from 'dockerode';
import { UserError } from '../util/errors.js';
import { checkEngineRef } from '../engine/ref.js';
import type { ImageParts, ReadOptions } from './blobs.js';
import { readDockerArchive } from './dockerarchive.js';
import { saveFromEngine } from './engine.js';
import { LocalImage } from './local.js';
import { readOciLayout } from './oci.js';
import { hostPlatform, parsePlatform } from './platform.js';
import { DirStore, extractTarStream, gunzipFile, isGzipFile, scanArchive, type Store } from './store.js';
import { TmpDir } from './tmpdir.js';
import type { Image } from './types.js';

export interface ReadImageOptions {
  /** "os/arch[/variant]"; default the host's (linux + process.arch). */
  platform?: string;
  docker?: Dockerode;
  /** Parent of the private temp dir (engine saves, decompressed layers). Default os.tmpdir(). */
  tmpDir?: string;
}

type Kind = 'engine' | 'docker-archive' | 'oci-archive' | 'oci-dir' | 'archive' | 'docker-dir';

const PREFIXES: [string, Kind][] = [
  ['docker-archive:', 'docker-archive'],
  ['oci-archive:', 'oci-archive'],
  ['oci:', 'oci-dir'],
  ['docker-daemon:', 'engine'],
  ['docker:', 'engine'],
];

async function statOf(path: string) {
  try {
    return await fsp.stat(path);
  } catch {
    return undefined;
  }
}

function looksLikePath(ref: string): boolean {
  return /^(\.{0,2}\/|~)/.test(ref) || /\.(tar|tgz|tar\.gz)$/.test(ref);
}

/** Splits "PATH:REF" when PATH exists and the whole string does not (skopeo's syntax). */
async function splitRefName(arg: string): Promise<{ path: string; name?: string }> {
  if (await statOf(arg)) return { path: arg };
  const i = arg.lastIndexOf(':');
  if (i > 0 && (await statOf(arg.slice(0, i)))) return { path: arg.slice(0, i), name: arg.slice(i + 1) };
  return { path: arg };
}

async function classify(ref: string): Promise<{ kind: Kind; arg: string }> {
  for (const [p, kind] of PREFIXES) if (ref.startsWith(p)) return { kind, arg: ref.slice(p.length) };
  const st = await statOf(ref);
  if (st?.isDirectory()) {
    if (await statOf(join(ref, 'oci-layout'))) return { kind: 'oci-dir', arg: ref };
    if (await statOf(join(ref, 'manifest.json'))) return { kind: 'docker-dir', arg: ref };
    throw new UserError(`directory "${ref}" is not an OCI layout (no oci-layout file)`);
  }
  if (st?.isFile()) return { kind: 'archive', arg: ref };
  if (looksLikePath(ref)) throw new UserError(`file "${ref}" not found`);
  return { kind: 'engine', arg: ref };
}

/** Where a reference points: an engine image (its name), or a file or directory on this host. */
export async function refLocation(ref: string): Promise<{ engine: true; name: string } | { engine: false; path: string; dir: boolean }> {
  const { kind, arg } = await classify(ref);
  if (kind === 'engine') return (checkEngineRef(arg), { engine: true, name: arg });
  const { path } = kind === 'archive' || kind === 'docker-dir' ? { path: arg } : await splitRefName(arg);
  return { engine: false, path: resolve(path), dir: kind === 'oci-dir' || kind === 'docker-dir' };
}

async function openArchive(path: string, tmp: TmpDir, label: string): Promise<Store> {
  const st = await statOf(path);
  if (!st) throw new UserError(`file "${path}" not found`);
  if (!st.isFile()) throw new UserError(`"${path}" is not a file`);
  try {
    await fsp.access(path, fsp.constants.R_OK);
  } catch {
    throw new UserError(`cannot read "${path}": permission denied`);
  }
  if (await isGzipFile(path)) {
    // A compressed archive cannot be read in place: unpack it once.
    const dir = join(tmp.path(), 'archive');
    mkdirSync(dir);
    return extractTarStream(gunzipFile(path, st.size, dir, label), dir, label);
  }
  return scanArchive(path, label);
}

async function readParts(kind: Kind, arg: string, ro: ReadOptions, tmp: TmpDir, opts: ReadImageOptions): Promise<ImageParts> {
  switch (kind) {
    case 'engine': {
      checkEngineRef(arg);
      // dockerode is loaded only for engine refs: it is slow to import and files need none of it.
      const docker = opts.docker ?? (await import('../engine/docker.js')).docker();
      const store = await saveFromEngine(arg, docker, tmp);
      // Docker 25+ saves an OCI layout alongside manifest.json; older engines only the latter.
      if (await store.get('oci-layout')) return readOciLayout(store, ro);
      return readDockerArchive(store, { ...ro, tag: arg });
    }
    case 'oci-dir': {
      const { path, name } = await splitRefName(arg);
      const st = await statOf(path);
      if (!st?.isDirectory()) throw new UserError(`OCI layout directory "${path}" not found`);
      return readOciLayout(new DirStore(path, `OCI layout ${path}`), { ...ro, refName: name });
    }
    case 'docker-dir':
      return readDockerArchive(new DirStore(arg, `docker-archive dir ${arg}`), ro);
    case 'docker-archive':
    case 'oci-archive':
    case 'archive': {
      const { path, name } = kind === 'archive' ? { path: arg, name: undefined } : await splitRefName(arg);
      const store = await openArchive(path, tmp, `archive ${path}`);
      const isOci = kind === 'oci-archive' || (kind === 'archive' && ((await store.get('oci-layout')) || (await store.get('index.json'))));
      if (isOci) return readOciLayout(store, { ...ro, refName: name });
      return readDockerArchive(store, { ...ro, tag: name });
    }
  }
  throw new Error(`unreachable: ${kind satisfies never}`);
}

/**
 * Reads an image from the engine, a docker-archive or OCI archive tar, or an OCI layout dir.
 * Ref forms: docker-archive:PATH, oci-archive:PATH, oci:DIR[:REF], docker:NAME, or bare
 * (an OCI dir, an archive file sniffed by its members, else an engine image name).
 * Digests of small blobs are checked here; layers are checked as they are streamed.
 * Call close() to remove temp files.
 */
export async function readImage(ref: string, opts: ReadImageOptions = {}): Promise<Image> {
  const ro: ReadOptions = {
    platform: opts.platform ? parsePlatform(opts.platform) : hostPlatform(),
    explicitPlatform: !!opts.platform,
  };
  const { kind, arg } = await classify(ref);
  const tmp = new TmpDir(opts.tmpDir ? resolve(opts.tmpDir) : undefined);
  try {
    const parts = await readParts(kind, arg, ro, tmp, opts);
    return new LocalImage(ref, parts, tmp);
  } catch (err) {
    tmp.remove();
    throw err;
  }
}
