// `explain --html FILE` / `build --html FILE`: one self-contained page (no network): the
// template and styles from src/explain/page/, the script compiled from page/app.ts into dist/,
// and the page's data as JSON, all inlined.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { UserError } from '../util/errors.js';
import type { LoadedReport } from './input.js';
import { explainModel } from './model.js';
import { pageData } from './page-data.js';
import type { TreeModel } from '../treeview/tree.js';

// This module runs from dist/explain/ (or src/explain/ under tests): both are two levels below the package.
const ROOT = new URL('../../', import.meta.url);

function part(rel: string): string {
  try {
    return readFileSync(new URL(rel, ROOT), 'utf8');
  } catch (err) {
    throw new Error(`the explain page's ${rel} is missing (npm run build): ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
}

/** The page's HTML. */
export function renderHtml(loaded: LoadedReport, model: TreeModel = explainModel(loaded)): string {
  const script = part('dist/explain/page/app.js').replace(/^\/\/# sourceMappingURL=.*$/m, '');
  if (/<\/script/i.test(script)) throw new Error('the page script holds "</script"');
  const json = JSON.stringify(pageData(loaded, model)).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  return part('src/explain/page/page.html')
    .replace('/*STYLE*/', () => part('src/explain/page/page.css'))
    .replace('/*DATA*/', () => json)
    .replace('/*SCRIPT*/', () => script);
}

/** Writes the page atomically (a temp file renamed), so a CI artifact is never half written. */
export function writeHtml(file: string, loaded: LoadedReport, model?: TreeModel): void {
  const html = renderHtml(loaded, model);
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, html);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new UserError(`cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
}
