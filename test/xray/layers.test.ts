// Pure analysis over hand-made entry lists: dive's efficiency semantics and change counts.
import { describe, expect, it } from 'vitest';
import { LayerAnalyzer } from '../../src/xray/layers.js';
import { collectFindings } from '../../src/xray/findings.js';
import { userWastedPercent } from '../../src/xray/efficiency.js';
import { entries } from './fixtures.js';
import { EXPECT, LAYER0, LAYER1, LAYER2 } from './scenario.js';

function analyze(...layers: Parameters<typeof entries>[0][]) {
  const a = new LayerAnalyzer();
  for (const l of layers) a.addLayer(entries(l));
  return a;
}

describe('LayerAnalyzer (dive efficiency)', () => {
  it('scores the scenario exactly as computed by hand', () => {
    const a = analyze(LAYER0, LAYER1, LAYER2);
    const r = a.efficiency.result();
    expect(r.score).toBe(EXPECT.minimum / EXPECT.discovered);
    expect(r.wastedBytes).toBe(EXPECT.wastedBytes);
    expect(r.inefficiencies.map((i) => [i.path, i.count, i.cumulativeSize, i.minSize])).toEqual([
      ['/srv/other', 2, 2000, 0],
      ['/data/big', 2, 1000, 0],
      ['/etc/config', 3, 370, 100],
      ['/opt/app/lib1', 2, 310, 10],
      ['/opt/app/lib2', 2, 200, 0],
    ]);
    expect(a.layers.map((l) => l.size)).toEqual(EXPECT.layerSizes);
    const user = EXPECT.layerSizes[1] + EXPECT.layerSizes[2];
    expect(userWastedPercent(r.wastedBytes, user)).toBe(3880 / 8340);
  });

  it('counts added, modified and deleted files per layer', () => {
    const a = analyze(LAYER0, LAYER1, LAYER2);
    const [l0, l1, l2] = a.layers;
    // Layer 0: 6 files + the /bin symlink, nothing below it.
    expect(l0.added).toEqual({ files: 7, bytes: 1730 });
    expect(l0.modified).toEqual({ files: 0, bytes: 0 });
    // Layer 1: dup1, dup2, other, other2, ping added; config and lib1 replaced;
    // /data/big whited out and /opt/app/lib2 hidden by the opaque dir.
    expect(l1.added).toEqual({ files: 5, bytes: 8060 });
    expect(l1.modified).toEqual({ files: 2, bytes: 160 });
    expect(l1.deleted).toEqual({ files: 2, bytes: 1200 });
    expect(l1.whiteouts).toBe(1);
    expect(l1.opaqueDirs).toEqual(['/opt/app']);
    expect(l2.modified).toEqual({ files: 1, bytes: 120 });
    expect(l2.deleted).toEqual({ files: 1, bytes: 2000 });
    expect(a.tree.get('/opt/app/lib2')).toBeUndefined();
    expect(a.tree.get('/opt/app/lib1')?.size).toBe(10);
  });

  it('keeps dive quirk: deleting a whole directory is not waste (the whiteout weighs the subtree)', () => {
    const a = analyze(
      [{ path: 'd/' }, { path: 'd/f1', content: 'x'.repeat(10) }, { path: 'd/f2', content: 'y'.repeat(20) }],
      [{ path: '.wh.d' }],
    );
    const r = a.efficiency.result();
    // visits: /d/f1 10, /d/f2 20, /d 30 (whiteout of a dir = sum of its subtree): all once.
    expect(r.wastedBytes).toBe(0);
    expect(r.score).toBe(1);
    expect(a.layers[1].deleted).toEqual({ files: 2, bytes: 30 });
  });

  it('an opaque dir hides lower content recursively, except what the layer brings back', () => {
    const a = analyze(
      [{ path: 'o/' }, { path: 'o/keep/' }, { path: 'o/keep/a', content: 'aaaa' }, { path: 'o/keep/b', content: 'bb' }, { path: 'o/gone/' }, { path: 'o/gone/c', content: 'ccc' }],
      [{ path: 'o/' }, { path: 'o/.wh..wh..opq' }, { path: 'o/keep/' }, { path: 'o/keep/a', content: 'A' }],
    );
    expect([...a.tree.entries()].map((e) => e.path)).toEqual(['/', '/o', '/o/keep', '/o/keep/a']);
    const r = a.efficiency.result();
    // /o/keep/a: 4,1 -> 5; /o/keep/b: 2, 0 (hidden file) -> 2; /o/gone: visited once with
    // its subtree (3); /o/gone/c once (3).
    expect(r.inefficiencies.map((i) => [i.path, i.cumulativeSize])).toEqual([
      ['/o/keep/a', 5],
      ['/o/keep/b', 2],
    ]);
    expect(r.wastedBytes).toBe(7);
    expect(r.score).toBe((1 + 0 + 3 + 3) / (5 + 2 + 3 + 3));
    expect(a.layers[1].deleted).toEqual({ files: 2, bytes: 5 });
    expect(a.layers[1].modified).toEqual({ files: 1, bytes: 1 });
  });

  it('scores an empty image 1', () => {
    const r = analyze([]).efficiency.result();
    expect(r).toEqual({ score: 1, wastedBytes: 0, inefficiencies: [] });
    expect(userWastedPercent(0, 0)).toBe(0);
    expect(userWastedPercent(5, 0)).toBe(Infinity);
  });
});

describe('findings', () => {
  it('finds setuid, capabilities, world-writable dirs, shells behind symlinks, biggest files', () => {
    const a = analyze(LAYER0, LAYER1, LAYER2);
    const f = collectFindings(a.tree, { top: 3 });
    expect(f.setuid.map((x) => [x.path, x.mode])).toEqual([['/usr/bin/su', '4755']]);
    expect(f.setgid).toEqual([]);
    expect(f.capabilities.map((x) => [x.path, x.capabilities, x.effective])).toEqual([['/usr/bin/ping', ['cap_net_bind_service'], true]]);
    expect(f.worldWritableDirs).toEqual([
      { path: '/pub', mode: '0777', sticky: false },
      { path: '/tmp', mode: '1777', sticky: true },
    ]);
    expect(f.shells).toEqual([{ name: 'sh', found: [{ path: '/bin/sh', resolved: '/usr/bin/sh' }] }]);
    expect(f.packageManagers).toEqual([]);
    expect(f.biggestFiles.map((x) => [x.path, x.size])).toEqual([
      ['/srv/dup1', 2000],
      ['/srv/dup2', 2000],
      ['/srv/other2', 2000],
    ]);
  });
});
