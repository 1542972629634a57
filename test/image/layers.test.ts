// Hand-made layers (tar-stream and the host's GNU tar) read through an OCI layout: entry
// parsing, whiteouts, opaque dirs, hardlinks, platforms, digests, unsafe names.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, test } from 'vitest';
import { buildIndex, openContent, readContentSync } from '../../src/image/fsindex.js';
import { readImage } from '../../src/image/read.js';
import { readLayerEntries } from '../../src/image/layer-entries.js';
import type { FsIndex, Image, Layer, TarEntry } from '../../src/image/types.js';
import { UserError } from '../../src/util/errors.js';
import { sha, tarOf, writeOciLayout } from './fixtures.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'slimts-test-img-'));
  dirs.push(d);
  return d;
}

function memLayer(tar: Buffer): Layer {
  return {
    digest: sha(tar),
    diffId: sha(tar),
    size: tar.length,
    mediaType: 'application/vnd.oci.image.layer.v1.tar',
    compressed: async () => Readable.from([tar]),
    open: async () => Readable.from([tar]),
    seekable: async () => {
      throw new Error('not used');
    },
  };
}

async function entriesOf(tar: Buffer): Promise<TarEntry[]> {
  const out: TarEntry[] = [];
  for await (const e of readLayerEntries(memLayer(tar))) out.push(e);
  return out;
}

async function text(img: Image, idx: FsIndex, path: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of await openContent(img, idx.get(path)!)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

async function indexOf(layers: Buffer[], gzip = false) {
  const { dir } = writeOciLayout([{ layers, gzip }]);
  dirs.push(dir);
  const img = await readImage(`oci:${dir}`, { tmpDir: tmp() });
  return { img, idx: await buildIndex(img) };
}

describe('readLayerEntries', () => {
  test('normalises paths, keeps whiteouts, reports content offsets', async () => {
    const tar = await tarOf([
      { name: './' },
      { name: './etc/' },
      { name: './etc/hello', content: 'hello world', mode: 0o4755 },
      { name: 'etc/.wh.gone', content: '' },
      { name: '/usr/lib/x/', type: 'directory' },
      { name: 'usr/lib/x/../y', content: 'yy' },
      { name: 'etc/sym', type: 'symlink', linkname: '../usr/lib/y' },
      { name: 'etc/hard', type: 'link', linkname: './etc/hello' },
      { name: 'dev/null', type: 'character-device', mode: 0o666 },
    ]);
    const es = await entriesOf(tar);
    expect(es.map((e) => `${e.type} ${e.path}`)).toEqual([
      'dir /',
      'dir /etc',
      'file /etc/hello',
      'file /etc/.wh.gone',
      'dir /usr/lib/x',
      'file /usr/lib/y',
      'symlink /etc/sym',
      'hardlink /etc/hard',
      'char /dev/null',
    ]);
    const hello = es[2];
    expect(hello.mode).toBe(0o4755);
    expect(tar.subarray(hello.dataOffset, hello.dataOffset + hello.size).toString()).toBe('hello world');
    const y = es[5];
    expect(tar.subarray(y.dataOffset, y.dataOffset + y.size).toString()).toBe('yy');
    expect(es[6].linkname).toBe('../usr/lib/y');
    expect(es[7].linkname).toBe('/etc/hello');
    expect(es[7].size).toBe(0);
  });

  test('long and non-ASCII names, PAX and GNU headers, binary xattrs (host GNU tar)', async () => {
    const root = tmp();
    const long = 'd'.repeat(120) + '/' + 'f'.repeat(150) + '.txt';
    mkdirSync(join(root, 'src', 'd'.repeat(120)), { recursive: true });
    writeFileSync(join(root, 'src', long), 'long name');
    writeFileSync(join(root, 'src', 'naïve-файл-日本.txt'), 'unicode');
    writeFileSync(join(root, 'src', 'cap'), 'cap');
    execFileSync('setcap', ['cap_net_bind_service+ep', join(root, 'src', 'cap')]);
    for (const format of ['posix', 'gnu']) {
      const file = join(root, `${format}.tar`);
      execFileSync('tar', ['--format', format, '--xattrs', '--xattrs-include=security.*', '-C', join(root, 'src'), '-cf', file, '.']);
      const tar = readFileSync(file);
      const es = await entriesOf(tar);
      const byPath = new Map(es.map((e) => [e.path, e]));
      const l = byPath.get('/' + long)!;
      expect(l, format).toBeDefined();
      expect(tar.subarray(l.dataOffset, l.dataOffset + l.size).toString()).toBe('long name');
      const u = byPath.get('/naïve-файл-日本.txt')!;
      expect(tar.subarray(u.dataOffset, u.dataOffset + u.size).toString()).toBe('unicode');
      if (format === 'posix') {
        const cap = byPath.get('/cap')!.xattrs?.['security.capability'];
        expect(cap).toBeInstanceOf(Buffer);
        expect(cap!.length).toBe(20);
        expect(cap!.readUInt32LE(4)).toBe(1 << 10); // CAP_NET_BIND_SERVICE permitted
      }
    }
  });

  test('rejects entries escaping the root', async () => {
    for (const spec of [
      { name: '../evil', content: 'x' },
      { name: 'a/../../evil', content: 'x' },
      { name: 'ok', type: 'link' as const, linkname: '../../etc/shadow' },
      { name: 'nul', content: 'x', pax: { path: 'evil\0name' } },
    ]) {
      const tar = await tarOf([{ name: 'a/' }, spec]);
      const err = await entriesOf(tar).catch((e) => e);
      expect(err).toBeInstanceOf(UserError);
      expect(err.message).toMatch(/unsafe .*in layer sha256:/);
    }
    const { dir } = writeOciLayout([{ layers: [await tarOf([{ name: '../../x', content: 'x' }])] }]);
    dirs.push(dir);
    const img = await readImage(dir);
    await expect(buildIndex(img)).rejects.toThrow(/unsafe path "..\/..\/x" in layer sha256:/);
    await img.close();
  });

  test('an empty blob and an end-marker-only tar are empty layers', async () => {
    const { img, idx } = await indexOf([Buffer.alloc(0), Buffer.alloc(1024)]);
    expect([...idx.entries()].map((e) => e.path)).toEqual(['/']);
    await img.close();
  });

  test('rejects a truncated tar', async () => {
    const tar = await tarOf([{ name: 'f', content: 'x'.repeat(2000) }]);
    await expect(entriesOf(tar.subarray(0, 1024))).rejects.toThrow(/truncated/);
  });
});

describe('buildIndex', () => {
  test('overwrite, whiteout, dir replaced by file, implicit parents', async () => {
    const l0 = await tarOf([
      { name: 'etc/' },
      { name: 'etc/over', content: 'v1' },
      { name: 'etc/gone', content: 'g' },
      { name: 'etc/gonedir/' },
      { name: 'etc/gonedir/x', content: 'x' },
      { name: 'f/' },
      { name: 'f/under', content: 'u' },
      { name: 'keep/', mode: 0o700 },
      { name: 'keep/k', content: 'k' },
    ]);
    const l1 = await tarOf([
      { name: 'etc/' },
      { name: 'etc/over', content: 'v2' },
      { name: 'etc/.wh.gone', content: '' },
      { name: 'etc/.wh.gonedir', content: '' },
      { name: 'f', content: 'now a file' },
      { name: 'keep/added', content: 'a' }, // no dir entry: the lower one stays
      { name: 'new/deep/file', content: 'n' }, // no parents anywhere: synthesized
    ]);
    const { img, idx } = await indexOf([l0, l1]);
    expect(await text(img, idx, '/etc/over')).toBe('v2');
    expect(idx.get('/etc/over')!.layer).toBe(1);
    expect(idx.get('/etc/gone')).toBeUndefined();
    expect(idx.get('/etc/gonedir')).toBeUndefined();
    expect(idx.get('/etc/gonedir/x')).toBeUndefined();
    expect(idx.get('/f')!.type).toBe('file');
    expect(idx.get('/f/under')).toBeUndefined();
    expect(idx.get('/keep')).toMatchObject({ layer: 0, mode: 0o700 });
    expect(idx.children('/keep').map((e) => e.path)).toEqual(['/keep/added', '/keep/k']);
    expect(idx.get('/new/deep')).toMatchObject({ type: 'dir', mode: 0o755, uid: 0 });
    expect([...idx.entries()].map((e) => e.path)).toEqual([
      '/', '/etc', '/etc/over', '/f', '/keep', '/keep/added', '/keep/k', '/new', '/new/deep', '/new/deep/file',
    ]);
    expect(idx.size).toBe(10);
    await img.close();
  });

  test('opaque dir drops lower entries only, whatever the order in the tar', async () => {
    const l0 = await tarOf([
      { name: 'd/' },
      { name: 'd/old', content: 'o' },
      { name: 'd/sub/' },
      { name: 'd/sub/deep', content: 'd' },
      { name: 'e/' },
      { name: 'e/old', content: 'o' },
      { name: 'e/sub/' },
      { name: 'e/sub/deep', content: 'd' },
    ]);
    const l1 = await tarOf([
      { name: 'd/' },
      { name: 'd/.wh..wh..opq', content: '' }, // marker first
      { name: 'd/new', content: 'n' },
      { name: 'e/' },
      { name: 'e/new', content: 'n' }, // entries first, marker last
      { name: 'e/sub/' },
      { name: 'e/sub/fresh', content: 'f' },
      { name: 'e/.wh..wh..opq', content: '' },
    ]);
    const { img, idx } = await indexOf([l0, l1], true);
    expect(idx.children('/d').map((e) => e.path)).toEqual(['/d/new']);
    expect(idx.children('/e').map((e) => e.path)).toEqual(['/e/new', '/e/sub']);
    expect(idx.children('/e/sub').map((e) => e.path)).toEqual(['/e/sub/fresh']);
    expect(idx.get('/e/sub')!.layer).toBe(1);
    expect(await text(img, idx, '/e/sub/fresh')).toBe('f');
    await img.close();
  });

  test('entries through a lower layer\'s symlinked dirs land where the symlink points', async () => {
    const l0 = await tarOf([
      { name: 'usr/' },
      { name: 'usr/lib/' },
      { name: 'usr/lib/a', content: 'a' },
      { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
      { name: 'bin', type: 'symlink', linkname: '/usr/bin' },
      { name: 'loop', type: 'symlink', linkname: 'loop' },
    ]);
    const l1 = await tarOf([
      { name: 'lib/x', content: 'x' },
      { name: 'lib/.wh.a', content: '' },
      { name: 'bin/tool', content: 't' },
      { name: 'lib/y', type: 'link', linkname: 'lib/x' },
      { name: 'loop/f', content: 'f' },
    ]);
    const l2 = await tarOf([{ name: 'lib/' }, { name: 'lib/z', content: 'z' }]);
    const { img, idx } = await indexOf([l0, l1]);
    expect(idx.get('/lib')).toMatchObject({ type: 'symlink', linkname: 'usr/lib' });
    expect(idx.children('/usr/lib').map((e) => e.path)).toEqual(['/usr/lib/x', '/usr/lib/y']);
    expect(idx.get('/usr/bin/tool')!.layer).toBe(1);
    expect(idx.get('/usr/lib/y')).toMatchObject({ type: 'hardlink', linkname: '/usr/lib/x' });
    expect(await text(img, idx, '/usr/lib/y')).toBe('x');
    expect(idx.get('/loop/f')).toBeDefined(); // a symlink loop is not followed forever
    await img.close();
    const again = await indexOf([l0, l1, l2]);
    expect(again.idx.get('/lib')!.type).toBe('dir');
    expect(again.idx.children('/lib').map((e) => e.path)).toEqual(['/lib/z']);
    expect(again.idx.get('/usr/lib/x')).toBeDefined();
    await again.img.close();
  });

  test('hardlinks keep their target content and group by it', async () => {
    const l0 = await tarOf([
      { name: 'h/' },
      { name: 'h/t', content: 'T0' },
      { name: 'h/l', type: 'link', linkname: 'h/t' },
      { name: 'h/a', content: 'A' },
      { name: 'h/b', type: 'link', linkname: 'h/a' },
      { name: 'h/c', type: 'link', linkname: 'h/b' },
    ]);
    const l1 = await tarOf([{ name: 'h/t', content: 'T1-replaced' }, { name: 'h/d', type: 'link', linkname: 'h/a' }]);
    const { img, idx } = await indexOf([l0, l1]);
    expect(await text(img, idx, '/h/l')).toBe('T0');
    expect(await text(img, idx, '/h/t')).toBe('T1-replaced');
    expect(idx.hardlinkGroup('/h/l')).toEqual(['/h/l']);
    expect(idx.hardlinkGroup('/h/t')).toEqual(['/h/t']);
    expect(idx.hardlinkGroup('/h/c')).toEqual(['/h/a', '/h/b', '/h/c', '/h/d']);
    expect(idx.get('/h/d')!.content).toEqual(idx.get('/h/a')!.content);
    expect(readContentSync(img, idx.get('/h/d')!, 0, 10).toString()).toBe('A');
    await img.close();
  });

  test('gzip layers are decompressed once to the private temp dir, removed by close()', async () => {
    const parent = tmp();
    const big = Buffer.alloc(3 << 20, 7);
    big.write('\x7fELF', 1 << 20);
    const { dir } = writeOciLayout([{ layers: [await tarOf([{ name: 'bin/' }, { name: 'bin/x', content: big, mode: 0o755 }])], gzip: true }]);
    dirs.push(dir);
    const img = await readImage(`oci:${dir}`, { tmpDir: parent });
    expect(img.layers[0].mediaType).toBe('application/vnd.oci.image.layer.v1.tar+gzip');
    const idx = await buildIndex(img);
    const x = idx.get('/bin/x')!;
    expect(readContentSync(img, x, 1 << 20, 4).toString('latin1')).toBe('\x7fELF');
    expect(readContentSync(img, x, (3 << 20) - 2, 10).length).toBe(2);
    const s = await img.layers[0].seekable();
    expect(s.path.startsWith(parent)).toBe(true);
    expect(readdirSync(parent).length).toBe(1);
    await img.close();
    expect(readdirSync(parent)).toEqual([]);
  });
});

describe('sources', () => {
  test('multi-platform index: picks the requested platform', async () => {
    const amd = await tarOf([{ name: 'arch', content: 'amd64' }]);
    const arm = await tarOf([{ name: 'arch', content: 'arm64' }]);
    const { dir } = writeOciLayout([
      { layers: [amd], architecture: 'amd64' },
      { layers: [arm], architecture: 'arm64', variant: 'v8', gzip: true },
    ]);
    dirs.push(dir);
    for (const [platform, want] of [['linux/amd64', 'amd64'], ['linux/arm64', 'arm64'], ['linux/arm64/v8', 'arm64']]) {
      const img = await readImage(`oci:${dir}`, { platform });
      expect(img.config.architecture).toBe(want);
      const idx = await buildIndex(img);
      expect(await text(img, idx, '/arch')).toBe(want);
      await img.close();
    }
    const host = await readImage(dir); // bare dir, host platform
    expect(host.config.architecture).toBe(process.arch === 'x64' ? 'amd64' : 'arm64');
    await host.close();
    await expect(readImage(`oci:${dir}`, { platform: 'linux/s390x' })).rejects.toThrow(
      /no manifest for platform linux\/s390x in .* \(available: linux\/amd64, linux\/arm64\/v8\)/,
    );
    await expect(readImage(`oci:${dir}:nosuch`)).rejects.toThrow(/no image named "nosuch"/);
    const byName = await readImage(`oci:${dir}:latest`, { platform: 'linux/amd64' });
    await byName.close();
  });

  test('an index whose other platforms were not saved (Docker 25 containerd store)', async () => {
    const amd = await tarOf([{ name: 'arch', content: 'amd64' }]);
    const arm = await tarOf([{ name: 'arch', content: 'arm64' }]);
    const w = writeOciLayout([{ layers: [amd], architecture: 'amd64' }, { layers: [arm], architecture: 'arm64' }]);
    dirs.push(w.dir);
    rmSync(join(w.dir, 'blobs/sha256', w.manifests[1].slice(7)));
    const img = await readImage(w.dir, { platform: 'linux/amd64' });
    await img.close();
    await expect(readImage(w.dir, { platform: 'linux/arm64' })).rejects.toThrow(
      new RegExp(`the linux/arm64 manifest ${w.manifests[1]} is not present in index sha256:[0-9a-f]{64} in OCI layout`),
    );
  });

  test('OCI archive tar is read in place, uncompressed layers seekable without copies', async () => {
    const l0 = await tarOf([{ name: 'a', content: 'in place' }]);
    const { dir } = writeOciLayout([{ layers: [l0] }]);
    dirs.push(dir);
    const file = join(tmp(), 'img.tar');
    execFileSync('tar', ['-C', dir, '-cf', file, 'oci-layout', 'index.json', 'blobs']);
    for (const ref of [file, `oci-archive:${file}`]) {
      const img = await readImage(ref);
      const idx = await buildIndex(img);
      const s = await img.layers[0].seekable();
      expect(s.path).toBe(file);
      expect(s.offset).toBeGreaterThan(0);
      expect(readContentSync(img, idx.get('/a')!, 0, 100).toString()).toBe('in place');
      await img.close();
    }
  });

  test('hand-made legacy docker-archive: symlinked repeated layer, synthesized manifest', async () => {
    const l0 = await tarOf([{ name: 'a', content: 'one' }]);
    const l1 = await tarOf([{ name: 'b', content: 'two' }]);
    const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha(l0), sha(l1), sha(l0)] } });
    const cfgName = `${sha(config).slice(7)}.json`;
    const manifest = JSON.stringify([{ Config: cfgName, RepoTags: ['x:1'], Layers: ['l0/layer.tar', 'l1/layer.tar', 'l2/layer.tar'] }]);
    const archive = await tarOf([
      { name: cfgName, content: config },
      { name: 'l0/' },
      { name: 'l0/layer.tar', content: l0 },
      { name: 'l1/' },
      { name: 'l1/layer.tar', content: l1 },
      { name: 'l2/' },
      { name: 'l2/layer.tar', type: 'symlink', linkname: '../l0/layer.tar' },
      { name: 'manifest.json', content: manifest },
    ]);
    const file = join(tmp(), 'legacy.tar');
    writeFileSync(file, archive);
    const img = await readImage(`docker-archive:${file}`);
    expect(img.configDigest).toBe(sha(config));
    expect(img.rawConfig.toString()).toBe(config);
    expect(img.manifest).toEqual({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: sha(config), size: config.length },
      layers: [l0, l1, l0].map((l) => ({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar', digest: sha(l), size: l.length })),
    });
    const idx = await buildIndex(img);
    expect(idx.get('/a')!.layer).toBe(2);
    expect(await text(img, idx, '/b')).toBe('two');
    expect((await img.layers[2].seekable()).offset).toBe((await img.layers[0].seekable()).offset);
    await img.close();
    // A config whose name is not its digest is refused.
    const bad = join(tmp(), 'bad.tar');
    writeFileSync(bad, archive.toString('latin1').replace('"amd64"', '"arm64"'), 'latin1');
    await expect(readImage(bad)).rejects.toThrow(/digest mismatch for blob sha256:/);
  });

  test('digest mismatches are detected', async () => {
    const l0 = await tarOf([{ name: 'a', content: 'original' }]);
    // Corrupt layer blob: detected while streaming.
    const w = writeOciLayout([{ layers: [l0] }]);
    dirs.push(w.dir);
    const blob = join(w.dir, 'blobs/sha256', w.layerBlobs[0][0].slice(7));
    writeFileSync(blob, Buffer.from(readFileSync(blob).toString('latin1').replace('original', 'tampered'), 'latin1'));
    let img = await readImage(w.dir);
    await expect(buildIndex(img)).rejects.toThrow(/digest mismatch for blob sha256:[0-9a-f]{64} in OCI layout/);
    await img.close();
    // Corrupt gzip layer.
    const g = writeOciLayout([{ layers: [l0], gzip: true, diffIds: [sha('something else')] }]);
    dirs.push(g.dir);
    img = await readImage(g.dir);
    await expect(buildIndex(img)).rejects.toThrow(/diff_id mismatch for layer sha256:/);
    await img.close();
    // Corrupt config.
    const c = writeOciLayout([{ layers: [l0] }]);
    dirs.push(c.dir);
    const cfg = join(c.dir, 'blobs/sha256', c.configs[0].slice(7));
    writeFileSync(cfg, readFileSync(cfg).toString().replace('/bin/sh', '/bin/xx'));
    await expect(readImage(c.dir)).rejects.toThrow(new RegExp(`digest mismatch for blob ${c.configs[0]}`));
    // Uncompressed layer whose diff_id is wrong.
    const d = writeOciLayout([{ layers: [l0], diffIds: [sha('x')] }]);
    dirs.push(d.dir);
    img = await readImage(d.dir);
    await expect(buildIndex(img)).rejects.toThrow(/diff_id mismatch/);
    await img.close();
  });

  test('unsupported media types, missing files and dirs', async () => {
    const l0 = await tarOf([{ name: 'a', content: 'x' }]);
    const w = writeOciLayout([{ layers: [l0], layerMediaType: 'application/vnd.example.weird' }]);
    dirs.push(w.dir);
    await expect(readImage(w.dir)).rejects.toThrow(/unsupported layer media type "application\/vnd.example.weird"/);
    await expect(readImage('docker-archive:/nonexistent/img.tar')).rejects.toThrow(/file "\/nonexistent\/img.tar" not found/);
    await expect(readImage('/nonexistent/img.tar')).rejects.toThrow(UserError);
    await expect(readImage('oci:/nonexistent/dir')).rejects.toThrow(/not found/);
    const junk = join(tmp(), 'junk.tar');
    writeFileSync(junk, Buffer.alloc(3000, 65));
    await expect(readImage(junk)).rejects.toThrow(/not a valid tar archive/);
  });
});
