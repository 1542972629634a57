// Recognises an eStargz layer from its entries, so it works on every source (an engine's
// `docker save` keeps the tar but not the manifest's annotations): the TOC file
// `stargz.index.json` at the root, and the landmark that ends the prefetch range. The
// prefetch list is the regular files with content before `.prefetch.landmark`, in tar order —
// the order a lazy puller fetches them.
import type { TarEntry } from '../image/types.js';

export interface EstargzLayerInfo {
  /** `prefetch`: a prefetch range ends at `.prefetch.landmark`; `none`: `.no.prefetch.landmark`; null: no landmark. */
  landmark: 'prefetch' | 'none' | null;
  /** Files fetched before the container starts, in blob order. */
  prefetch: string[];
  prefetchBytes: number;
}

export class EstargzSpotter {
  private toc = false;
  private landmark: EstargzLayerInfo['landmark'] = null;
  private readonly before: string[] = [];
  private beforeBytes = 0;

  see(e: TarEntry): void {
    if (e.path === '/stargz.index.json' && e.type === 'file') this.toc = true;
    else if (e.path === '/.prefetch.landmark') this.landmark ??= 'prefetch';
    else if (e.path === '/.no.prefetch.landmark') this.landmark ??= 'none';
    else if (this.landmark === null && e.type === 'file' && e.size > 0) {
      this.before.push(e.path);
      this.beforeBytes += e.size;
    }
  }

  /** The layer's eStargz facts, or null when it is not an eStargz layer. */
  result(): EstargzLayerInfo | null {
    if (!this.toc) return null;
    const pre = this.landmark === 'prefetch';
    return { landmark: this.landmark, prefetch: pre ? this.before : [], prefetchBytes: pre ? this.beforeBytes : 0 };
  }
}
