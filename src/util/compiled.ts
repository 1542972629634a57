// Files run outside this module graph: a worker thread's or a child process's main module (a
// typed module of ours, run as JavaScript: from dist/ when this runs from the sources, in
// tests), and programs in other languages kept as files beside the sources.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The loadable URL of `src/<path>` (a `.js` path below src/, e.g. "engine/reaper-process.js"). */
export function compiledModule(path: string): string {
  const here = new URL(`../${path}`, import.meta.url);
  if (existsSync(here)) return here.href;
  return new URL(`../../dist/${path}`, import.meta.url).href;
}

/** The path of `src/<path>`, a file tsc does not compile (e.g. "imagebuild/startup/python.py"), from src/ or dist/. */
export function sourceFile(path: string): string {
  const here = new URL(`../${path}`, import.meta.url);
  return fileURLToPath(existsSync(here) ? here : new URL(`../../src/${path}`, import.meta.url));
}
