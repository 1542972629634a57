// Alpine's database (/lib/apk/db/installed): stanzas of `K:value` lines; `F:` names a directory
// (relative), the `R:` lines after it its files, each followed by its attributes (`a:`, `M:`, `Z:`).
// Cut to a slim image: file lines that are gone leave with their attributes; packages with no
// file left leave whole.
import { TRIM_REASON, type KeptPackage } from './types.js';
import type { DbTrim } from './trim-dpkg.js';
import { countFiles, type DbView } from './view.js';

export const APK_INSTALLED = '/lib/apk/db/installed';

export interface ApkStanza {
  lines: string[];
  name: string;
  version: string;
  arch?: string;
  origin?: string;
}

/** The packages of an apk `installed` file, in order. */
export function parseApk(text: string): ApkStanza[] {
  const out: ApkStanza[] = [];
  for (const block of text.replace(/\r\n/g, '\n').split(/\n\s*\n/)) {
    const lines = block.split('\n').filter((l) => l !== '');
    const field = (k: string) => lines.find((l) => l.startsWith(`${k}:`))?.slice(2);
    const name = field('P');
    if (!name) continue;
    const arch = field('A');
    const origin = field('o');
    out.push({ lines, name, version: field('V') ?? '', ...(arch ? { arch } : {}), ...(origin && origin !== name ? { origin } : {}) });
  }
  return out;
}

/** Lines of one stanza with the files `keep` rejects taken out, and the paths it lists. */
function trimStanza(lines: readonly string[], keep: (p: string) => boolean): { lines: string[]; paths: string[] } {
  const outLines: string[] = [];
  const paths: string[] = [];
  let dir = '';
  let dirKept = true;
  let dropping = false;
  for (const l of lines) {
    const k = l.slice(0, 2);
    if (k === 'F:') {
      dir = l.slice(2);
      dirKept = keep(`/${dir}`);
      dropping = !dirKept;
      paths.push(`/${dir}`);
    } else if (k === 'R:') {
      const p = `/${dir ? `${dir}/` : ''}${l.slice(2)}`;
      paths.push(p);
      dropping = !dirKept || !keep(p);
    } else if (k !== 'a:' && k !== 'M:' && k !== 'Z:') {
      dropping = false;
    }
    if (!dropping) outLines.push(l);
  }
  return { lines: outLines, paths };
}

export function trimApk(view: DbView): DbTrim | undefined {
  const bytes = view.read(APK_INSTALLED);
  if (!bytes) return undefined;
  const text = bytes.toString('utf8');
  const stanzas = parseApk(text);
  if (stanzas.length === 0 && /\S/.test(text)) throw new Error(`${APK_INSTALLED} holds no package stanza`);
  const keep = (p: string) => view.slim(p) !== undefined;
  const out: DbTrim = { before: stanzas.length, kept: [], removed: [], files: [], dropped: [] };
  const blocks: string[] = [];
  for (const s of stanzas) {
    const { lines, paths } = trimStanza(s.lines, keep);
    const { before, kept } = countFiles(view, paths);
    if (kept === 0) {
      out.removed.push({ name: s.name, version: s.version });
      continue;
    }
    blocks.push(lines.join('\n'));
    const pkg: KeptPackage = {
      db: 'apk', name: s.name, version: s.version, ...(s.arch ? { architecture: s.arch } : {}), ...(s.origin ? { source: s.origin } : {}),
      files: paths.filter(keep), filesKnown: true, filesBefore: before, filesKept: kept,
    };
    out.kept.push(pkg);
  }
  out.files.push({ path: APK_INSTALLED, content: Buffer.from(blocks.map((b) => `${b}\n\n`).join('')), reason: TRIM_REASON });
  return out;
}
