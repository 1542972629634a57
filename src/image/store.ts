// Where the members of an image source live: a directory, a tar archive read in place
// (members by file + offset, never extracted), or a stream extracted to a temp dir.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp, constants as fsc } from 'node:fs';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { boundedInflate, ChunkSource, FileSource, TarFormatError, iterateTar } from '../tar/index.js';
import { UserError } from '../util/errors.js';

export interface Member {
  /** Local file holding the member's bytes at [offset, offset + size). */
  path: string;
  offset: number;
  size: number;
  /** Hex sha256, when it was computed while the member was written. */
  sha256?: string;
}

export interface Store {
  /** For messages: "archive /x/img.tar", "OCI layout /x/dir", "engine image foo". */
  readonly label: string;
  /** Members by slash-separated name relative to the root ("blobs/sha256/ab..", "manifest.json"). */
  get(name: string): Promise<Member | undefined>;
}

const MAX_METADATA = 64 << 20;

/** Reads a small member (JSON documents) into memory. */
export async function readMember(m: Member, what: string): Promise<Buffer> {
  if (m.size > MAX_METADATA) throw new UserError(`${what} is too large (${m.size} bytes)`);
  const fh = await fsp.open(m.path, 'r');
  try {
    const buf = Buffer.alloc(m.size);
    let got = 0;
    while (got < m.size) {
      const { bytesRead } = await fh.read(buf, got, m.size - got, m.offset + got);
      if (bytesRead === 0) throw new UserError(`${what} is truncated`);
      got += bytesRead;
    }
    return buf;
  } finally {
    await fh.close();
  }
}

function memberName(name: string): string {
  return posix.normalize(name.replace(/^(\.\/|\/)+/, '')).replace(/\/+$/, '');
}

export class DirStore implements Store {
  constructor(
    readonly dir: string,
    readonly label: string,
  ) {}

  async get(name: string): Promise<Member | undefined> {
    const n = memberName(name);
    if (n.startsWith('..') || n === '.') return undefined;
    const path = join(this.dir, n);
    try {
      const st = await fsp.stat(path);
      return st.isFile() ? { path, offset: 0, size: st.size } : undefined;
    } catch {
      return undefined;
    }
  }
}

/** A store whose members are all known up front. */
export class MapStore implements Store {
  constructor(
    readonly label: string,
    private readonly members: Map<string, Member>,
  ) {}

  async get(name: string): Promise<Member | undefined> {
    return this.members.get(memberName(name));
  }

  names(): string[] {
    return [...this.members.keys()];
  }
}

/** Links inside an archive (docker save symlinks repeated layers to the first copy). */
function resolveLinks(members: Map<string, Member>, links: Map<string, string>): void {
  for (const [name, target] of links) {
    let t = target;
    for (let hops = 0; hops < 16; hops++) {
      const m = members.get(t);
      if (m) {
        members.set(name, m);
        break;
      }
      const next = links.get(t);
      if (!next) break;
      t = next;
    }
  }
}

function linkTarget(name: string, typeflag: string, linkname: string): string {
  // Symlinks are relative to the member's directory; hardlinks to the archive root.
  return memberName(typeflag === '2' ? posix.join(posix.dirname(name), linkname) : linkname);
}

export async function isGzipFile(path: string): Promise<boolean> {
  const fh = await fsp.open(path, 'r');
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await fh.read(b, 0, 2, 0);
    return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/**
 * The tar stream inside a gzip'd archive file, inflated no further than boundedInflate allows
 * (the temp dir `dir` is where it will be written); a corrupt gzip stream is a UserError.
 */
export async function* gunzipFile(path: string, size: number, dir: string, label: string): AsyncGenerator<Buffer> {
  const out = pipeline(createReadStream(path), createGunzip(), boundedInflate(size, dir, label), () => undefined);
  try {
    for await (const chunk of out) yield chunk as Buffer;
  } catch (err) {
    if ((err as { code?: string }).code?.startsWith('Z_')) throw new UserError(`${label} is not a valid gzip stream: ${(err as Error).message}`);
    throw err;
  } finally {
    out.destroy();
  }
}

/** An image archive holds a manifest, configs and layers: tens to thousands of members. */
const MAX_MEMBERS = 100_000;

/**
 * The member's name, once it is judged usable: no NUL, nothing climbing out of the root, not
 * seen before (a second "manifest.json" would make what is read depend on the reader), and
 * not one too many. Null for entries that are skipped (directories, the root itself).
 */
function admit(raw: string, typeflag: string, seen: Set<string>, label: string): string | null {
  const name = memberName(raw);
  if (typeflag === '5' && !name.startsWith('..')) return null;
  if (raw.includes('\0') || name.startsWith('..') || name === '.' || name === '') {
    throw new UserError(`unsafe member ${JSON.stringify(raw.slice(0, 200))} in ${label}`);
  }
  if (seen.has(name)) throw new UserError(`duplicate member ${JSON.stringify(name.slice(0, 200))} in ${label}`);
  if (seen.size >= MAX_MEMBERS) throw new UserError(`${label} has more than ${MAX_MEMBERS} members`);
  seen.add(name);
  return name;
}

/** Scans an uncompressed archive's headers once, seeking from header to header. */
export async function scanArchive(path: string, label: string): Promise<MapStore> {
  const fh = await fsp.open(path, fsc.O_RDONLY);
  try {
    const { size } = await fh.stat();
    const src = new FileSource(fh.fd, 0, size, async (_fd, buf, pos) => (await fh.read(buf, 0, buf.length, pos)).bytesRead);
    const members = new Map<string, Member>();
    const links = new Map<string, string>();
    const seen = new Set<string>();
    for await (const e of iterateTar(src)) {
      const name = admit(e.name, e.typeflag, seen, label);
      if (name === null) continue;
      if (e.typeflag === '0' || e.typeflag === '7') members.set(name, { path, offset: e.dataOffset, size: e.size });
      else if (e.typeflag === '1' || e.typeflag === '2') links.set(name, linkTarget(name, e.typeflag, e.linkname));
    }
    resolveLinks(members, links);
    return new MapStore(label, members);
  } catch (err) {
    if (err instanceof TarFormatError) throw new UserError(`${label} is not a valid tar archive: ${err.message}`);
    throw err;
  } finally {
    await fh.close();
  }
}

/**
 * Writes each member of a tar stream to a file under `dir`, hashing while writing, so blobs
 * need no second pass to be verified.
 */
export async function extractTarStream(stream: AsyncIterable<Buffer>, dir: string, label: string): Promise<MapStore> {
  const src = new ChunkSource(stream);
  const members = new Map<string, Member>();
  const links = new Map<string, string>();
  try {
    const seen = new Set<string>();
    for await (const e of iterateTar(src)) {
      const name = admit(e.name, e.typeflag, seen, label);
      if (name === null) continue;
      if (e.typeflag === '1' || e.typeflag === '2') {
        links.set(name, linkTarget(name, e.typeflag, e.linkname));
        continue;
      }
      if (e.typeflag !== '0' && e.typeflag !== '7') continue;
      // Numbered, not named, files: member names never become host paths.
      const path = join(dir, `m${seen.size}`);
      const fh = await fsp.open(path, 'wx');
      const hash = createHash('sha256');
      try {
        await src.copy(e.size, async (chunk) => {
          hash.update(chunk);
          let off = 0;
          while (off < chunk.length) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
        });
      } finally {
        await fh.close();
      }
      members.set(name, { path, offset: 0, size: e.size, sha256: hash.digest('hex') });
    }
    await src.drain();
  } catch (err) {
    if (err instanceof TarFormatError) throw new UserError(`${label}: invalid tar stream: ${err.message}`);
    throw err;
  }
  resolveLinks(members, links);
  return new MapStore(label, members);
}
