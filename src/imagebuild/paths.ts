// --path HOST[:DEST]: host files and directory trees copied into the plan as they are
// (modes and mtimes kept, owner root, symlinks inside trees kept as symlinks).
import { accessSync, constants, lstatSync, readdirSync, readlinkSync, statSync, type Stats } from 'node:fs';
import { posix, resolve } from 'node:path';
import { UserError } from '../util/errors.js';
import { splitHostDest } from '../util/host-dest.js';
import type { LayerPlan } from './plan.js';

export function addHostPath(plan: LayerPlan, spec: string): void {
  const { host, dest } = splitHostDest(spec, '--path');
  const abs = resolve(host);
  let st: Stats;
  try {
    st = statSync(abs); // the named path itself is followed, like COPY
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`--path ${host}: ${code === 'ENOENT' ? 'no such file or directory' : code ?? String(err)}`);
  }
  const reason = `--path ${host}`;
  const target = plan.place(dest ?? abs);
  if (st.isDirectory()) addTree(plan, abs, target, st, reason, host);
  else if (st.isFile()) plan.add(fileEntry(abs, target, st, reason, host));
  else throw new UserError(`--path ${host}: not a regular file or directory`);
}

function fileEntry(src: string, path: string, st: Stats, reason: string, label: string) {
  try {
    accessSync(src, constants.R_OK);
  } catch {
    throw new UserError(`--path ${label}: ${src} is not readable`);
  }
  return { path, type: 'file' as const, mode: st.mode & 0o7777, mtime: Math.floor(st.mtimeMs / 1000), size: st.size, source: src, reason };
}

function addTree(plan: LayerPlan, src: string, path: string, st: Stats, reason: string, label: string): void {
  plan.add({ path, type: 'dir', mode: st.mode & 0o7777, mtime: Math.floor(st.mtimeMs / 1000), size: 0, reason });
  let names: string[];
  try {
    names = readdirSync(src).sort();
  } catch {
    throw new UserError(`--path ${label}: cannot read directory ${src}`);
  }
  for (const name of names) {
    const s = `${src}/${name}`;
    const p = posix.join(path, name);
    const cst = lstatSync(s);
    if (cst.isDirectory()) addTree(plan, s, p, cst, reason, label);
    else if (cst.isFile()) plan.add(fileEntry(s, p, cst, reason, label));
    else if (cst.isSymbolicLink()) {
      plan.add({ path: p, type: 'symlink', mode: 0o777, mtime: Math.floor(cst.mtimeMs / 1000), size: 0, linkname: readlinkSync(s), reason });
    }
    // Sockets, fifos and devices are not copied.
  }
}
