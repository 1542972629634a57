// Registry sink: pushes an image over the OCI distribution API (blob HEAD, POST + monolithic
// PUT, manifest PUT), each blob streamed from the image. No auth yet. Plain http for loopback
// hosts or when asked (`insecure`). Any image goes: a written one, a read one, an artifact.
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { manifestDescriptor } from '../oci/layout.js';
import { parseRefName } from '../oci/refname.js';
import type { Descriptor, StoredImage } from '../image/types.js';
import { oneLine, UserError } from '../util/errors.js';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(url: URL, method: string, headers: Record<string, string | number>, body?: Buffer | Readable): Promise<Reply> {
  return new Promise((resolvePromise, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(url, { method, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (!body) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else {
      body.on('error', (e) => req.destroy(e));
      body.pipe(req);
    }
  });
}

const isLoopback = (host: string) => /^(localhost|127(?:\.\d+){3}|\[::1\]|::1)$/i.test(host);

/** "sha256:…" upload target: Location may be relative and may already carry a query. */
function withDigest(location: string, base: URL, digest: string): URL {
  const u = new URL(location, base);
  u.searchParams.set('digest', digest);
  return u;
}

/** A repository on a registry: its base URL and a caller that turns failures into one-line user errors. */
export interface RegistryRepo {
  domain: string;
  base: URL;
  /** `/v2/NAME` */
  repo: string;
  call(url: URL, method: string, headers: Record<string, string | number>, body?: Buffer | Readable, ok?: number[]): Promise<Reply>;
}

export function registryRepo(refStr: string, insecure = false): RegistryRepo & { where: string; tag: string } {
  const ref = parseRefName(refStr);
  if (!ref.hasDomain) throw new UserError(`registry: "${refStr}" names no registry host; use HOST[:PORT]/NAME[:TAG]`);
  const host = ref.domain.replace(/:\d+$/, '');
  const base = new URL(`${insecure || isLoopback(host) ? 'http' : 'https'}://${ref.domain}`);
  const repo = `/v2/${ref.path}`;
  const where = `${ref.domain}/${ref.path}:${ref.tag}`;

  const call = async (url: URL, method: string, headers: Record<string, string | number>, body?: Buffer | Readable, ok: number[] = [200, 201, 202]) => {
    let r: Reply;
    try {
      r = await request(url, method, headers, body);
    } catch (err) {
      throw new UserError(`registry: ${method} ${url.origin}${url.pathname} failed: ${oneLine(err)}`);
    }
    if (ok.includes(r.status)) return r;
    if (r.status === 401 || r.status === 403) {
      throw new UserError(`registry: ${ref.domain} refused ${method} ${url.pathname} (${r.status}); authentication is not supported yet`);
    }
    let why = r.body;
    try {
      const j = JSON.parse(r.body) as { errors?: { code?: string; message?: string }[] };
      if (j.errors?.length) why = j.errors.map((e) => `${e.code ?? ''} ${e.message ?? ''}`.trim()).join('; ');
    } catch { /* not JSON */ }
    throw new UserError(`registry: ${method} ${url.pathname} → ${r.status}: ${oneLine(why) || 'no details'}`);
  };
  return { domain: ref.domain, base, repo, where, tag: ref.tag, call };
}

/** Uploads a blob unless the repository has it (HEAD, then POST + monolithic PUT). */
export async function putBlob(r: RegistryRepo, digest: string, size: number, body: () => Promise<Buffer | Readable> | Buffer | Readable): Promise<void> {
  const head = await r.call(new URL(`${r.repo}/blobs/${digest}`, r.base), 'HEAD', {}, undefined, [200, 404]);
  if (head.status === 200) return;
  const start = await r.call(new URL(`${r.repo}/blobs/uploads/`, r.base), 'POST', { 'Content-Length': 0 }, undefined, [202]);
  const loc = start.headers.location;
  if (!loc) throw new UserError(`registry: ${r.domain} gave no upload location`);
  await r.call(withDigest(loc, r.base, digest), 'PUT', { 'Content-Type': 'application/octet-stream', 'Content-Length': size }, await body(), [201]);
}

/**
 * Pushes an image's blobs (layers, then config) and its manifest under `reference` (a tag);
 * returns the manifest's descriptor and the registry's answer to the manifest PUT.
 */
export async function pushImage(r: RegistryRepo, image: StoredImage, reference: string, what = 'manifest'): Promise<{ manifest: Descriptor; headers: http.IncomingHttpHeaders }> {
  for (const l of image.layers) await putBlob(r, l.digest, l.size, () => l.compressed());
  await putBlob(r, image.configDigest, image.rawConfig.length, () => image.rawConfig);
  const manifest = manifestDescriptor(image);
  const put = await r.call(new URL(`${r.repo}/manifests/${reference}`, r.base), 'PUT', {
    'Content-Type': manifest.mediaType,
    'Content-Length': image.rawManifest.length,
  }, image.rawManifest, [201]);
  const stored = put.headers['docker-content-digest'];
  if (typeof stored === 'string' && stored !== manifest.digest) {
    throw new UserError(`registry: ${r.domain} stored the ${what} as ${stored}, expected ${manifest.digest}`);
  }
  return { manifest, headers: put.headers };
}

/** Pushes an image; returns where it went and the manifest's descriptor (what referrers point at). */
export async function sendToRegistry(image: StoredImage, refStr: string, insecure = false): Promise<{ where: string; manifest: Descriptor }> {
  const r = registryRepo(refStr, insecure);
  const { manifest } = await pushImage(r, image, r.tag);
  return { where: r.where, manifest };
}
