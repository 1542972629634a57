// The engine-side reader's wire: the engine's attach framing, the walk's records, the index
// made from them (init-layer files left out, hardlinks by inode). No engine.
import { describe, expect, it } from 'vitest';
import { ByteQueue, Demux, nextWalkEvent, readRequest, type WalkRecord } from '../../src/image/walk-format.js';
import { walkIndex } from '../../src/image/walk-index.js';

function frame(stream: number, b: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(b.length, 4);
  return Buffer.concat([h, b]);
}

function entry(path: string, type: string, o: { mode?: number; mtime?: number; ns?: number; size?: number; ino?: number; nlink?: number; link?: string; cap?: Buffer } = {}): Buffer {
  const p = Buffer.from(path);
  const l = Buffer.from(o.link ?? '');
  const c = o.cap ?? Buffer.alloc(0);
  const b = Buffer.alloc(1 + 67);
  b.write('E', 0);
  b.write(type, 1);
  b.writeUInt32LE(o.mode ?? 0o100644, 4);
  b.writeBigInt64LE(BigInt(o.mtime ?? 1000), 16);
  b.writeUInt32LE(o.ns ?? 0, 24);
  b.writeBigUInt64LE(BigInt(o.size ?? 0), 28);
  b.writeBigUInt64LE(BigInt(o.ino ?? 0), 36);
  b.writeUInt32LE(o.nlink ?? 1, 44);
  b.writeUInt32LE(p.length, 56);
  b.writeUInt32LE(l.length, 60);
  b.writeUInt32LE(c.length, 64);
  const body = Buffer.concat([b, p, l, c]);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(body.length);
  return Buffer.concat([len, body]);
}

function events(bytes: Buffer, chunk: number): ReturnType<typeof nextWalkEvent>[] {
  const q = new ByteQueue();
  const d = new Demux((b) => q.push(b));
  const framed = frame(1, bytes);
  const out = [];
  for (let i = 0; i < framed.length; i += chunk) {
    d.push(framed.subarray(i, i + chunk));
    for (let ev = nextWalkEvent(q); ev; ev = nextWalkEvent(q)) out.push(ev);
  }
  return out;
}

const end = (n: number) => { const b = Buffer.alloc(13); b.writeUInt32LE(9); b.write('Z', 4); b.writeBigUInt64LE(BigInt(n), 5); return b; };

describe('walk wire', () => {
  it('records survive any chunking of the framed stream; stderr frames are kept apart', () => {
    const bytes = Buffer.concat([entry('/usr/bin/ping', 'f', { mode: 0o104755, size: 5, cap: Buffer.from([1, 2, 3]) }), entry('/lib', 'l', { mode: 0o120777, link: 'usr/lib' }), end(2)]);
    for (const chunk of [1, 3, 7, 1000]) {
      const evs = events(bytes, chunk);
      expect(evs.map((e) => e!.kind)).toEqual(['entry', 'entry', 'end']);
      const r = (evs[0] as { record: WalkRecord }).record;
      expect(r).toMatchObject({ path: '/usr/bin/ping', type: 'file', size: 5 });
      expect(r.mode & 0o7777).toBe(0o4755);
      expect([...r.capability!]).toEqual([1, 2, 3]);
      expect((evs[1] as { record: WalkRecord }).record.linkname).toBe('usr/lib');
    }
    const d = new Demux(() => { throw new Error('no stdout expected'); });
    d.push(frame(2, Buffer.from('boom\n')));
    expect(d.stderr).toBe('boom\n');
  });

  it('a record longer than the bound is refused, not buffered', () => {
    const q = new ByteQueue();
    const b = Buffer.alloc(8);
    b.writeUInt32LE(0x7fffffff);
    q.push(b);
    expect(() => nextWalkEvent(q)).toThrow(/bad record length/);
  });

  it('read requests carry path, offset and length', () => {
    const r = readRequest('/etc/passwd', 7, 9);
    expect(r.readUInt32LE(0)).toBe(11);
    expect(r.readBigUInt64LE(4)).toBe(7n);
    expect(r.readBigUInt64LE(12)).toBe(9n);
    expect(r.subarray(20).toString()).toBe('/etc/passwd');
  });
});

describe('walk index', () => {
  const rec = (path: string, type: WalkRecord['type'], o: Partial<WalkRecord> = {}): WalkRecord => ({
    path, type, mode: type === 'dir' ? 0o40755 : 0o100644, uid: 0, gid: 0, mtimeSec: 100, mtimeNsec: 0, size: 0, ino: 0n, nlink: 1, devmajor: 0, devminor: 0, ...o,
  });
  const created = 1000n * 1_000_000_000n;

  it('leaves out what the init layer made, keeps the image entries at those paths when older', () => {
    const idx = walkIndex([
      rec('/', 'dir', { mtimeSec: 1001 }), rec('/etc', 'dir', { mtimeSec: 1001 }), rec('/etc/passwd', 'file', { size: 3, mtimeSec: 90, mtimeNsec: 5 }),
      rec('/etc/hosts', 'file', { mtimeSec: 1000, mtimeNsec: 1 }), rec('/.dockerenv', 'file', { mtimeSec: 1001 }),
      rec('/proc', 'dir', { mtimeSec: 50 }), rec('/sys', 'dir', { mtimeSec: 1002 }),
    ], { createdNs: created });
    expect(idx.get('/etc/hosts')).toBeUndefined();
    expect(idx.get('/.dockerenv')).toBeUndefined();
    expect(idx.get('/sys')).toBeUndefined();
    expect(idx.get('/proc')!.mtime).toBe(50);
    // a touched parent takes its newest remaining entry's mtime, to the nanosecond
    expect(idx.get('/etc')!.mtime).toBe(90.000000005);
    expect(idx.get('/')!.mtime).toBe(90.000000005);
    expect(idx.children('/').map((e) => e.path)).toEqual(['/etc', '/proc']);
  });

  it('files sharing an inode: the first path in tar order holds the bytes, the rest link to it', () => {
    const idx = walkIndex([
      rec('/', 'dir'), rec('/bin', 'dir'), rec('/bin/b', 'file', { size: 9, ino: 7n, nlink: 2 }), rec('/bin/a', 'file', { size: 9, ino: 7n, nlink: 2 }),
      rec('/bin/c', 'file', { size: 4, ino: 8n, nlink: 3 }),
    ], { createdNs: created });
    expect(idx.get('/bin/a')).toMatchObject({ type: 'file', size: 9 });
    expect(idx.get('/bin/b')).toMatchObject({ type: 'hardlink', linkname: '/bin/a', size: 0, content: { size: 9 } });
    expect(idx.hardlinkGroup('/bin/b')).toEqual(['/bin/a', '/bin/b']);
    // its other names were removed by a later layer: a plain file
    expect(idx.get('/bin/c')).toMatchObject({ type: 'file', size: 4 });
    expect(idx.hardlinkGroup('/bin/c')).toEqual(['/bin/c']);
  });
});
