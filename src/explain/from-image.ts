// `slimts explain IMAGE REPORT`: the original tree read from the image itself, for a report
// without the dropped list (made by an older slimts). The image must be the report's source.
import { buildIndex } from '../image/fsindex.js';
import { readImage } from '../image/read.js';
import { UserError } from '../util/errors.js';
import type { LoadedReport } from './input.js';

export async function withImageTree(loaded: LoadedReport, ref: string, platform?: string): Promise<LoadedReport> {
  const image = await readImage(ref, { platform });
  try {
    const want = loaded.report.source.id;
    if (want && image.configDigest !== want) {
      throw new UserError(`${ref} is ${image.configDigest}, but ${loaded.file} was built from ${want}`);
    }
    const index = await buildIndex(image);
    const kept = new Set(loaded.report.kept.map((k) => k.path));
    const dropped = [];
    for (const e of index.entries()) if (!kept.has(e.path)) dropped.push({ path: e.path, type: e.type, size: e.type === 'file' ? e.size : 0 });
    return { ...loaded, dropped };
  } finally {
    await image.close();
  }
}
