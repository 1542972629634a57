// Java: the string literals of the classes in a jar (src/refs/scan/jar.ts), over a jar made
// here: a class file's constant pool as javac writes it, in a zip as jar writes one (deflated).
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { scanJar } from '../../src/refs/scan/jar.js';

/** A class file whose constant pool holds these string literals and class references. */
function classFile(literals: string[], classes: string[]): Buffer {
  const pool: Buffer[] = [];
  let index = 1;
  const utf8 = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    pool.push(Buffer.concat([Buffer.from([1, b.length >> 8, b.length & 255]), b]));
    return index++;
  };
  const ref = (tag: number, to: number) => {
    pool.push(Buffer.from([tag, to >> 8, to & 255]));
    index++;
  };
  for (const c of classes) ref(7, utf8(c));
  pool.push(Buffer.from([5, 0, 0, 0, 0, 0, 0, 0, 42])); // a long: two entries
  index += 2;
  for (const s of literals) ref(8, utf8(s));
  const head = Buffer.alloc(10);
  head.writeUInt32BE(0xcafebabe, 0);
  head.writeUInt16BE(61, 6); // Java 17
  head.writeUInt16BE(index, 8);
  return Buffer.concat([head, ...pool, Buffer.alloc(8)]);
}

/** A zip of deflated entries, with its central directory. */
function zip(entries: Array<[string, Buffer]>): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const packed = deflateRawSync(data);
    const n = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(n.length, 26);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(8, 10);
    dir.writeUInt32LE(packed.length, 20);
    dir.writeUInt32LE(data.length, 24);
    dir.writeUInt16LE(n.length, 28);
    dir.writeUInt32LE(offset, 42);
    locals.push(local, n, packed);
    central.push(dir, n);
    offset += 30 + n.length + packed.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

describe('a jar\'s classes', () => {
  const jar = zip([
    ['app/Main.class', classFile(['/app/conf/app.properties', 'bash', '-c', 'ls /tmp/conf.tgz && sha256sum /tmp/conf.tgz | cut -c1-8', '/usr/bin/openssl', 'rand'], ['java/lang/ProcessBuilder', 'app/Main'])],
    ['app/Quiet.class', classFile(['/etc/quiet.conf', 'report', 'hello world'], ['app/Quiet'])],
    ['META-INF/MANIFEST.MF', Buffer.from('Manifest-Version: 1.0\n')],
  ]);
  const refs = scanJar(jar);
  it('names the paths its classes write as literals', () => {
    expect(refs.filter((r) => r.kind === 'path' && r.how.startsWith('named in')).map((r) => [r.name, r.how])).toEqual([
      ['/app/conf/app.properties', 'named in app/Main.class'], ['/usr/bin/openssl', 'named in app/Main.class'], ['/etc/quiet.conf', 'named in app/Quiet.class'],
    ]);
  });
  it('a class that starts processes: its words are programs, a string after "-c" a shell line; the words of another class are not', () => {
    expect(refs.filter((r) => r.kind === 'command').map((r) => r.name)).toEqual(['bash', 'ls', 'sha256sum', 'cut', 'rand']);
    expect(refs.filter((r) => r.kind === 'command' && r.how.startsWith('process started')).every((r) => r.ifPresent)).toBe(true);
  });
  it('nothing from bytes that are no zip', () => {
    expect(scanJar(Buffer.from('not a zip at all, just text'))).toEqual([]);
  });
});
