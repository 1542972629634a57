// Engine sink against the real engine: a scratch image runs, and file metadata survives
// docker load → container filesystem → docker export.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { discard, sendImage } from '../../src/sink/index.js';
import { parseLoadOutput } from '../../src/engine/load-output.js';
import { writeImage } from '../../src/oci/write.js';
import type { WrittenImage } from '../../src/oci/types.js';
import { UserError } from '../../src/util/errors.js';
import { docker, uniqueName } from '../helpers/docker.js';
import { buildCapEff, buildHello, bytes, dir, fromFile, hardlink, listTar, netBindCapability, scratchConfig, symlink, type Listed } from './fixtures.js';

let work: string;
let hello: string;
const tags: string[] = [];
const written: WrittenImage[] = [];

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'slimts-oci-test-'));
  hello = buildHello(work);
});

afterAll(async () => {
  for (const t of tags) docker(['rmi', '-f', t], { allowFail: true });
  for (const w of written) await discard(w);
  rmSync(work, { recursive: true, force: true });
});

async function write(...args: Parameters<typeof writeImage>) {
  const w = await writeImage(...args);
  written.push(w);
  return w;
}

async function exportFs(image: string): Promise<Listed[]> {
  const cid = docker(['create', image]).stdout.trim();
  try {
    const p = spawn('docker', ['export', cid], { stdio: ['ignore', 'pipe', 'inherit'] });
    return await listTar(p.stdout);
  } finally {
    docker(['rm', '-f', '-v', cid], { allowFail: true });
  }
}

describe('engine sink', () => {
  test('scratch image with a static hello runs and is no bigger than the exe + 4 KB', async () => {
    const tag = `${uniqueName('slimts-oci-hello')}:v1`;
    tags.push(tag);
    const w = await write({ config: scratchConfig(['/hello']), history: { created_by: 'slimts test' }, entries: [fromFile('/hello', hello)], refName: tag });
    const r = await sendImage(w.image, { kind: 'engine', tag });
    expect(r.kind).toBe('engine');
    expect(r.where).toBe(tag);
    expect(r.imageId).toBe(w.configDigest);
    expect(docker(['run', '--rm', tag]).stdout).toBe('hello from slimts\n');
    const size = Number(docker(['image', 'inspect', '-f', '{{.Size}}', tag]).stdout.trim());
    expect(size).toBeLessThanOrEqual(statSync(hello).size + 4096);
  });

  test('the sink tag wins over the written name, and an unnamed image gets tagged', async () => {
    const w = await write({ config: scratchConfig(['/hello']), history: {}, entries: [fromFile('/hello', hello)] });
    const tag = uniqueName('slimts-oci-unnamed');
    tags.push(tag);
    const r = await sendImage(w.image, { kind: 'engine', tag });
    expect(r.where).toBe(`${tag}:latest`);
    expect(docker(['image', 'inspect', '-f', '{{.Id}}', tag]).stdout.trim()).toBe(w.configDigest);
    expect(docker(['run', '--rm', tag]).stdout).toBe('hello from slimts\n');
  });

  test('metadata survives load and export: xattr capability, hardlink, long/non-ASCII names, modes, ids, mtime', async () => {
    const tag = `${uniqueName('slimts-oci-meta')}:t`;
    tags.push(tag);
    const long = `/d/${'l'.repeat(120)}/${'f'.repeat(90)}.txt`;
    const uni = '/d/ünïcødé-名前.txt';
    const cap = netBindCapability();
    const w = await write({
      config: scratchConfig(['/hello']),
      history: {},
      refName: tag,
      entries: [
        dir('/', { mode: 0o755 }), // the root itself is written as "./"
        fromFile('/hello', hello),
        dir('/d', { uid: 1234, gid: 1234, mtime: 1_234_567_890 }),
        dir('/d/sticky', { mode: 0o1777 }),
        dir('/d/sgid', { mode: 0o2775, gid: 1234 }),
        dir(long.slice(0, long.lastIndexOf('/'))),
        bytes(long, 'long name\n'),
        bytes(uni, 'unicode\n', { uid: 1234, gid: 1234 }),
        bytes('/d/setuid', '#!/bin/true\n', { mode: 0o4755, uid: 1234, gid: 1234, mtime: 1_111_111_111 }),
        bytes('/d/cap', 'cap\n', { mode: 0o755, xattrs: { 'security.capability': cap } }),
        hardlink('/d/a-link', '/d/z-target'), // sorts before its target: must be moved after it
        bytes('/d/z-target', 'shared content\n', { mode: 0o640, uid: 1234, gid: 1234 }),
        symlink('/d/sym', 'setuid'),
      ],
    });
    await sendImage(w.image, { kind: 'engine', tag });
    const fs = new Map((await exportFs(tag)).map((e) => [e.name.replace(/\/$/, ''), e]));
    const d = fs.get('d')!;
    expect([d.uid, d.gid, d.mtime]).toEqual([1234, 1234, 1_234_567_890]);
    expect(fs.get('d/sticky')!.mode & 0o7777).toBe(0o1777);
    expect(fs.get('d/sgid')!.mode & 0o7777).toBe(0o2775);
    const suid = fs.get('d/setuid')!;
    expect([suid.mode & 0o7777, suid.uid, suid.gid, suid.mtime]).toEqual([0o4755, 1234, 1234, 1_111_111_111]);
    expect(fs.get(long.slice(1))!.content!.toString()).toBe('long name\n');
    expect(fs.get(uni.slice(1))!.content!.toString()).toBe('unicode\n');
    const xattr = fs.get('d/cap')!.pax?.['SCHILY.xattr.security.capability'];
    expect(Buffer.from(xattr ?? '', 'latin1')).toEqual(cap);
    // Export writes the first path of an inode as the file and later ones as links to it.
    const a = fs.get('d/a-link')!;
    const z = fs.get('d/z-target')!;
    expect([a.type, z.type].sort()).toEqual(['file', 'link']);
    const [file, link] = a.type === 'file' ? [a, z] : [z, a];
    expect(link.linkname).toBe(file.name);
    expect(file.content!.toString()).toBe('shared content\n');
    expect([file.mode & 0o7777, file.uid]).toEqual([0o640, 1234]);
    expect(fs.get('d/sym')).toMatchObject({ type: 'symlink', linkname: 'setuid' });
  });

  test('a file capability works in a container run as a non-root user', async () => {
    const tag = `${uniqueName('slimts-oci-cap')}:t`;
    tags.push(tag);
    const exe = buildCapEff(work);
    const w = await write({
      config: scratchConfig(['/capeff'], { config: { Entrypoint: ['/capeff'], User: '1234:1234' } }),
      history: {},
      refName: tag,
      entries: [fromFile('/capeff', exe, { xattrs: { 'security.capability': netBindCapability() } }), fromFile('/nocap', exe)],
    });
    await sendImage(w.image, { kind: 'engine', tag });
    expect(docker(['run', '--rm', tag]).stdout).toBe('CapEff:\t0000000000000400\n'); // cap_net_bind_service only
    expect(docker(['run', '--rm', '--entrypoint', '/nocap', tag]).stdout).toBe('CapEff:\t0000000000000000\n');
  });

  test('a broken layout is reported as one-line UserError', async () => {
    const w = await write({ config: scratchConfig(['/hello']), history: {}, entries: [fromFile('/hello', hello)] });
    rmSync(join(w.layoutDir, 'blobs', 'sha256', w.layerDigest.slice(7)));
    const tag = uniqueName('slimts-oci-broken');
    tags.push(tag);
    const err = await sendImage(w.image, { kind: 'engine', tag }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).not.toContain('\n');
  });

  test('bad tags are rejected before talking to the engine', async () => {
    const w = await write({ config: scratchConfig(['/hello']), history: {}, entries: [] });
    await expect(sendImage(w.image, { kind: 'engine', tag: 'Bad/Name' })).rejects.toThrow(UserError);
  });

  test('load output parsing', () => {
    expect(parseLoadOutput('{"stream":"Loaded image: a:b\\n"}\r\n')).toEqual({ tags: ['a:b'], ids: [], error: undefined });
    expect(parseLoadOutput('{"stream":"Loaded image ID: sha256:ab\\n"}{"stream":"Loaded image: x:y\\n"}')).toMatchObject({ tags: ['x:y'], ids: ['sha256:ab'] });
    expect(parseLoadOutput('{"errorDetail":{"message":"boom"},"error":"boom"}').error).toBe('boom');
  });
});
