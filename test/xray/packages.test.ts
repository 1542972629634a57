// Two images' package inventories compared (xray --diff), as a pure function.
import { describe, expect, it } from 'vitest';
import { diffInventories, type PackageListing } from '../../src/xray/packages.js';

const listing = (rows: Array<[string, string, string?]>): PackageListing => ({
  db: 'dpkg', count: rows.length,
  packages: rows.map(([name, version, architecture]) => ({ name, version, architecture: architecture ?? null, layer: 0 })),
});

describe('diffInventories', () => {
  it('names what only one side has and what changed version; multi-arch copies are told apart', () => {
    const a = listing([['libc6', '2.36-9', 'amd64'], ['libc6', '2.36-9', 'i386'], ['curl', '7.88.1-10', 'amd64'], ['tzdata', '2024a', 'all']]);
    const b = listing([['libc6', '2.36-9', 'amd64'], ['tzdata', '2024b', 'all'], ['nginx', '1.22.1', 'amd64']]);
    expect(diffInventories(a, b)).toEqual({
      image: 4, other: 3,
      onlyInImage: [{ name: 'libc6', version: '2.36-9' }, { name: 'curl', version: '7.88.1-10' }],
      onlyInOther: [{ name: 'nginx', version: '1.22.1' }],
      versionChanged: [{ name: 'tzdata', image: '2024a', other: '2024b' }],
    });
  });

  it('an image without a database counts as null, and all of the other side is only there', () => {
    const d = diffInventories(listing([['bash', '5.2']]), undefined);
    expect([d.image, d.other, d.onlyInImage.length, d.onlyInOther.length]).toEqual([1, null, 1, 0]);
  });
});
