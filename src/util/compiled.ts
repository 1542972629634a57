// Code run outside this module graph (a worker's or a child process's source text) imports our
// modules by URL, and must get JavaScript: from dist/ when this runs from the sources (tests).
import { existsSync } from 'node:fs';

/** The loadable URL of `src/<path>` (a `.js` path below src/, e.g. "util/tmp.js"). */
export function compiledModule(path: string): string {
  const here = new URL(`../${path}`, import.meta.url);
  if (existsSync(here)) return here.href;
  return new URL(`../../dist/${path}`, import.meta.url).href;
}
