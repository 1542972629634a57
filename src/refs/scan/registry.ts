// Files of data that name code to load: a registry a program reads to find its plugins. Python's
// entry points (`*.dist-info/entry_points.txt`, `*.egg-info/entry_points.txt`: `name = module:attr`
// under `[group]`) are what `importlib.metadata.entry_points()` and pkg_resources enumerate; a
// program lists them at start and imports one only when it is used, so a registry the run read
// (or a kept distribution's) names modules as surely as an import statement does. A libtool
// archive (`*.la`) is what libltdl opens for a module by name (ImageMagick's coders/gif.la):
// it then loads the library its `dlname=` names, beside it.
import type { RawRef } from '../types.js';

const ENTRY_POINTS = /\.(?:dist|egg)-info\/entry_points\.txt$/;
const ENTRY = /^\s*([^=#;\s][^=]*?)\s*=\s*([A-Za-z_][\w.]*)\s*(?::\s*[\w.]+\s*)?(?:\[[^\]]*\]\s*)?$/;

/** The scanner for a registry file at `path`, or undefined when it is none. */
export function registryScanner(path: string): ((text: string) => RawRef[]) | undefined {
  if (ENTRY_POINTS.test(path)) return scanEntryPoints;
  if (LIBTOOL_ARCHIVE.test(path)) return (text) => scanLibtoolArchive(path, text);
  return undefined;
}

const LIBTOOL_ARCHIVE = /\/[^/]+\.la$/;
const DLNAME = /^dlname='([^'/]+)'\s*$/m;

/** A libtool archive's `dlname='gif.so'`: the library libltdl loads for it, in the same directory. */
export function scanLibtoolArchive(path: string, text: string): RawRef[] {
  if (!text.includes('libtool')) return [];
  const m = DLNAME.exec(text);
  if (!m) return [];
  const line = text.slice(0, m.index).split('\n').length;
  return [{ lang: 'shell', kind: 'path', name: `${path.slice(0, path.lastIndexOf('/'))}/${m[1]!}`, line, how: 'libtool dlname' }];
}

/** Each entry point's module, as an import (`[ledger.formats] csv = fmt.csv:render` imports `fmt.csv`). */
export function scanEntryPoints(text: string): RawRef[] {
  const out: RawRef[] = [];
  let group = '';
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    const section = /^\[([^\]]+)\]$/.exec(line);
    if (section) {
      group = section[1]!.trim();
      return;
    }
    const m = ENTRY.exec(line);
    if (m && group) out.push({ lang: 'python', kind: 'import', name: m[2]!, line: i + 1, how: `entry point [${group}] ${m[1]}` });
  });
  return out;
}
