// dpkg's database cut to a slim image: the stanza of every package that still has a file in it,
// its info/PKG.list and PKG.md5sums listing only what remains; packages with nothing left go.
import {
  DPKG_DIR, DPKG_INFO, DPKG_SMALL_FILES, DPKG_STATUS, DPKG_STATUS_D, installedStanzas, joinStanzas, listPaths,
  md5sumsPaths, trimList, trimMd5sums,
} from './dpkg.js';
import type { KeptPackage, RewrittenFile } from './types.js';
import { TRIM_REASON } from './types.js';
import { countFiles, type DbView } from './view.js';

export interface DbTrim {
  before: number;
  kept: KeptPackage[];
  removed: Array<{ name: string; version: string }>;
  files: RewrittenFile[];
  dropped: string[];
}

const inSlim = (view: DbView) => (p: string) => view.slim(p) !== undefined;

/** Undefined when the image has no dpkg database; throws on one it cannot read. */
export function trimDpkg(view: DbView): DbTrim | undefined {
  const status = view.read(DPKG_STATUS);
  const statusD = view.list(DPKG_STATUS_D);
  if (!status && statusD.length === 0) return undefined;
  const out: DbTrim = { before: 0, kept: [], removed: [], files: [], dropped: [] };
  if (status) trimStatus(view, status, out);
  if (statusD.length) trimStatusD(view, statusD, out);
  for (const f of DPKG_SMALL_FILES) {
    const b = view.read(f);
    if (b) out.files.push({ path: f, content: b, reason: 'package database (as it was)' });
  }
  return out;
}

function trimStatus(view: DbView, status: Buffer, out: DbTrim): void {
  const text = status.toString('utf8');
  const stanzas = installedStanzas(text);
  if (stanzas.length === 0 && /\S/.test(text)) throw new Error(`${DPKG_STATUS} holds no package stanza`);
  const infoFiles = new Set(view.list(DPKG_INFO));
  const keptRaw: string[] = [];
  const keep = inSlim(view);
  for (const s of stanzas) {
    out.before++;
    const infoName = s.infoNames.find((n) => infoFiles.has(`${n}.list`));
    const listBytes = infoName ? view.read(`${DPKG_INFO}/${infoName}.list`) : undefined;
    if (!listBytes) {
      // no file list (a damaged database): nothing says its files are gone, so it stays, whole
      keptRaw.push(s.stanza.raw);
      out.kept.push({ ...s.pkg, files: [], filesKnown: false, filesBefore: 0, filesKept: 0 });
      continue;
    }
    const list = listBytes.toString('utf8');
    const paths = listPaths(list);
    const n = countFiles(view, paths);
    if (n.kept === 0) {
      out.removed.push({ name: s.pkg.name, version: s.pkg.version });
      continue;
    }
    keptRaw.push(s.stanza.raw);
    const keptPaths = paths.filter(keep);
    out.kept.push({ ...s.pkg, files: keptPaths, filesKnown: true, filesBefore: n.before, filesKept: n.kept });
    out.files.push({ path: `${DPKG_INFO}/${infoName}.list`, content: Buffer.from(trimList(list, keep)), reason: TRIM_REASON });
    const md5 = infoFiles.has(`${infoName}.md5sums`) ? view.read(`${DPKG_INFO}/${infoName}.md5sums`) : undefined;
    if (md5) out.files.push({ path: `${DPKG_INFO}/${infoName}.md5sums`, content: Buffer.from(trimMd5sums(md5.toString('utf8'), keep)), reason: TRIM_REASON });
  }
  out.files.push({ path: DPKG_STATUS, content: Buffer.from(joinStanzas(keptRaw)), reason: TRIM_REASON });
}

/** distroless: one stanza per file in status.d/, its files (when recorded) in status.d/NAME.md5sums. */
function trimStatusD(view: DbView, names: readonly string[], out: DbTrim): void {
  const have = new Set(names);
  const keep = inSlim(view);
  for (const name of names) {
    if (name.endsWith('.md5sums') || name.startsWith('.')) continue;
    const path = `${DPKG_STATUS_D}/${name}`;
    const bytes = view.read(path);
    if (!bytes) continue;
    const stanzas = installedStanzas(bytes.toString('utf8'));
    if (stanzas.length === 0) continue;
    out.before += stanzas.length;
    const md5Name = have.has(`${name}.md5sums`) ? `${name}.md5sums` : undefined;
    const md5 = md5Name ? view.read(`${DPKG_STATUS_D}/${md5Name}`) : undefined;
    if (!md5) {
      // old distroless records no files: nothing says they are gone
      for (const s of stanzas) out.kept.push({ ...s.pkg, files: [], filesKnown: false, filesBefore: 0, filesKept: 0 });
      out.files.push({ path, content: bytes, reason: TRIM_REASON });
      continue;
    }
    const text = md5.toString('utf8');
    const paths = md5sumsPaths(text);
    const n = countFiles(view, paths);
    if (n.kept === 0) {
      for (const s of stanzas) out.removed.push({ name: s.pkg.name, version: s.pkg.version });
      out.dropped.push(path, `${DPKG_STATUS_D}/${md5Name}`);
      continue;
    }
    for (const s of stanzas) out.kept.push({ ...s.pkg, files: paths.filter(keep), filesKnown: true, filesBefore: n.before, filesKept: n.kept });
    out.files.push({ path, content: bytes, reason: TRIM_REASON });
    out.files.push({ path: `${DPKG_STATUS_D}/${md5Name}`, content: Buffer.from(trimMd5sums(text, keep)), reason: TRIM_REASON });
  }
}

export { DPKG_DIR };
