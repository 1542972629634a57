// Registry sink against Debian's docker-registry on a loopback port.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { writeImage } from '../../src/oci/write.js';
import type { WrittenImage } from '../../src/oci/types.js';
import { discard, sendImage } from '../../src/sink/index.js';
import { UserError } from '../../src/util/errors.js';
import { docker } from '../helpers/docker.js';
import { freePort, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { buildHello, fromFile, scratchConfig } from './fixtures.js';

let work: string;
let hello: string;
let registry: TestRegistry | undefined;
let host: string;
const written: WrittenImage[] = [];
const pulled: string[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'slimts-oci-registry-'));
  hello = buildHello(work);
  registry = await startRegistry();
  host = registry.host;
});

afterAll(async () => {
  for (const t of pulled) docker(['rmi', '-f', t], { allowFail: true });
  for (const w of written) await discard(w);
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function write(gzip: boolean) {
  const w = await writeImage({ config: scratchConfig(['/hello']), history: { created_by: 'test' }, entries: [fromFile('/hello', hello)], gzip });
  written.push(w);
  return w;
}
const inspect = (ref: string) =>
  JSON.parse(execFileSync('skopeo', ['inspect', '--tls-verify=false', `docker://${ref}`], { encoding: 'utf8' })) as { Digest: string; Layers: string[] };

describe('registry sink', () => {
  test('pushes a gzip image that skopeo sees and the engine pulls and runs', async () => {
    const w = await write(true);
    const ref = `${host}/slimts/hello:v1`;
    const r = await sendImage(w.image, { kind: 'registry', ref });
    expect(r).toEqual({ kind: 'registry', where: ref, manifest: expect.objectContaining({ digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) }) });
    const info = inspect(ref);
    expect(info.Digest).toBe(w.manifestDigest);
    expect(info.Layers).toEqual([w.layerDigest]);
    // Pushing again finds the blobs already there.
    await sendImage(w.image, { kind: 'registry', ref: `${host}/slimts/hello:v2` });
    expect(inspect(`${host}/slimts/hello:v2`).Digest).toBe(w.manifestDigest);
    pulled.push(ref);
    docker(['pull', '-q', ref]);
    expect(docker(['run', '--rm', ref]).stdout).toBe('hello from slimts\n');
  });

  test('pushes an uncompressed layer too', async () => {
    const w = await write(false);
    await sendImage(w.image, { kind: 'registry', ref: `${host}/slimts/plain` });
    expect(inspect(`${host}/slimts/plain:latest`).Digest).toBe(w.manifestDigest);
  });

  test('no host, unreachable registry and bad names are UserErrors', async () => {
    const w = await write(true);
    await expect(sendImage(w.image, { kind: 'registry', ref: 'slimts/hello:v1' })).rejects.toThrow(/names no registry host/);
    const port = await freePort();
    const err = await sendImage(w.image, { kind: 'registry', ref: `127.0.0.1:${port}/x:y` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
    await expect(sendImage(w.image, { kind: 'registry', ref: `${host}/Bad` })).rejects.toThrow(/lowercase/);
  });
});
