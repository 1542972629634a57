// Registry sink against Debian's docker-registry on a loopback port.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { writeImage } from '../../src/oci/write.js';
import type { WrittenImage } from '../../src/oci/types.js';
import { discard, sendImage } from '../../src/sink/index.js';
import { UserError } from '../../src/util/errors.js';
import { docker } from '../helpers/docker.js';
import { buildHello, fromFile, scratchConfig } from './fixtures.js';

let work: string;
let hello: string;
let registry: ChildProcess | undefined;
let host: string;
const written: WrittenImage[] = [];
const pulled: string[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'slimts-oci-registry-'));
  hello = buildHello(work);
  const port = await freePort();
  host = `127.0.0.1:${port}`;
  writeFileSync(join(work, 'config.yml'), [
    'version: 0.1',
    'log: { level: error }',
    `storage: { filesystem: { rootdirectory: ${join(work, 'storage')} } }`,
    `http: { addr: "${host}" }`,
    '',
  ].join('\n'));
  registry = spawn('/usr/bin/docker-registry', ['serve', join(work, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  registry.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://${host}/v2/`)).status === 200) break;
    } catch { /* not up yet */ }
    if (i > 100 || registry.exitCode !== null) throw new Error(`docker-registry did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
});

afterAll(async () => {
  for (const t of pulled) docker(['rmi', '-f', t], { allowFail: true });
  for (const w of written) await discard(w);
  if (registry && registry.exitCode === null) {
    const exited = new Promise((r) => registry!.once('exit', r));
    registry.kill('SIGTERM');
    await exited;
  }
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
    const r = await sendImage(w, { kind: 'registry', ref });
    expect(r).toEqual({ kind: 'registry', where: ref });
    const info = inspect(ref);
    expect(info.Digest).toBe(w.manifestDigest);
    expect(info.Layers).toEqual([w.layerDigest]);
    // Pushing again finds the blobs already there.
    await sendImage(w, { kind: 'registry', ref: `${host}/slimts/hello:v2` });
    expect(inspect(`${host}/slimts/hello:v2`).Digest).toBe(w.manifestDigest);
    pulled.push(ref);
    docker(['pull', '-q', ref]);
    expect(docker(['run', '--rm', ref]).stdout).toBe('hello from slimts\n');
  });

  test('pushes an uncompressed layer too', async () => {
    const w = await write(false);
    await sendImage(w, { kind: 'registry', ref: `${host}/slimts/plain` });
    expect(inspect(`${host}/slimts/plain:latest`).Digest).toBe(w.manifestDigest);
  });

  test('no host, unreachable registry and bad names are UserErrors', async () => {
    const w = await write(true);
    await expect(sendImage(w, { kind: 'registry', ref: 'slimts/hello:v1' })).rejects.toThrow(/names no registry host/);
    const port = await freePort();
    const err = await sendImage(w, { kind: 'registry', ref: `127.0.0.1:${port}/x:y` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
    await expect(sendImage(w, { kind: 'registry', ref: `${host}/Bad` })).rejects.toThrow(/lowercase/);
  });
});
