import { test } from 'vitest';
import { readImage } from '../../../src/image/read.js';
import { buildIndex } from '../../../src/image/fsindex.js';
test('bench', async () => {
  for (const ref of (process.env.REFS ?? 'slimts-base/bookworm:minbase').split(',')) {
    let t = Date.now();
    const img = await readImage(ref);
    const t1 = Date.now() - t; t = Date.now();
    const idx = await buildIndex(img);
    console.log(ref, 'read', t1, 'index', Date.now() - t, idx.size);
    await img.close();
  }
});
