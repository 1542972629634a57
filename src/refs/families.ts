// Data families: the run read one file that a program chose by a key computed at run time
// (a language, a zone, a plugin's name) out of siblings of the same kind; another run, with
// another key, reads another sibling. So the family is kept, bounded.
//
// A read file F belongs to a family when the trace shows that the name was computed:
//   - candidates: the run also tried names of the same shape that do not exist (gettext tries
//     de_DE.UTF-8, de_DE, then de; a loader tries "<key>.conf" in order) — F's path with one
//     component (a directory level or the file name, same extension) replaced;
//   - or the file sits in a directory of files all of one kind (same extension or name shape,
//     no subdirectories, three or more) and it is the only one of them the run read.
// The family is every existing path of that shape. Libraries the loader opened for DT_NEEDED,
// files the run read many of, and interpreted code (its imports are followed by the code
// scanners) are not keyed choices.
import { joinPath, normalize } from '../util/paths.js';
import { Fs, isBroad } from './resolve/context.js';

export interface FamilyEvent {
  path: string;
  /** The trace's intent: r read, w write, x exec, s stat, d chdir. */
  intent: string;
  ok: boolean;
}

export interface Family {
  /** The read file that made the family. */
  trigger: string;
  /** The family's shape: the trigger's path with the key replaced by "*" ("/usr/share/locale/* /LC_MESSAGES/app.mo"). */
  pattern: string;
  /** Why it is a family ("3 candidates tried", "the only one read of 12 .mo files"). */
  evidence: string;
  members: string[];
  bytes: number;
  /** Larger than the bound: nothing kept. */
  cut?: boolean;
}

export interface FamilyOptions {
  /** The largest family kept (bytes). */
  limitBytes: number;
  /** Files the run read that are not keyed choices (the loader's DT_NEEDED libraries). */
  skip?: (path: string) => boolean;
}

/** Default bound of one family: enough for a runtime's own locale or zone data. */
export const FAMILY_LIMIT_BYTES = 64 << 20;
const FAMILY_MAX_FILES = 20_000;
/** How many levels up from the file the key may be (locale/<key>/LC_MESSAGES/x.mo is 2). */
const KEY_DEPTH = 4;
const VIRTUAL = /^\/(proc|sys|dev|run|tmp)(\/|$)/;
/**
 * Source code of interpreted languages: loaded by the names its importers write, which the
 * code scanners follow (src/refs/scan); a package's modules are not a family of data.
 */
const CODE_KIND = /^\.(py|pyc|pyi|rb|pm|pl|js|mjs|cjs|ts|php|sh|bash|lua|tcl|class|jar)$/;

/** The kind of a file name: its extension (".so" for shared objects with versions), or "" for none. */
export function kindOf(name: string): string {
  if (/\.so(\.\d+)*$/.test(name)) return '.so';
  const m = /\.([A-Za-z0-9_-]{1,10})$/.exec(name);
  return m && !/^\d+$/.test(m[1]!) && m.index > 0 ? '.' + m[1]! : '';
}

/** The families of the run's reads. */
export function dataFamilies(events: readonly FamilyEvent[], fs: Fs, opts: FamilyOptions): Family[] {
  const reads = new Set<string>();
  const failedShapes = new Map<string, number>();
  for (const ev of events) {
    const p = normalize(ev.path);
    if (VIRTUAL.test(p)) continue;
    if (ev.ok) {
      if (ev.intent === 'r') reads.add(p);
      continue;
    }
    const comps = p.split('/').filter(Boolean);
    for (const i of keyLevels(comps.length)) {
      const k = shape(comps, i);
      failedShapes.set(k, (failedShapes.get(k) ?? 0) + 1);
    }
  }
  const out: Family[] = [];
  const done = new Set<string>();
  for (const f of reads) {
    if (opts.skip?.(f) || fs.stat(f)?.type !== 'file') continue;
    const comps = f.split('/').filter(Boolean);
    if (CODE_KIND.test(kindOf(comps[comps.length - 1]!))) continue;
    const fam = byCandidates(f, comps, failedShapes, fs) ?? byHomogeneousDir(f, comps, reads, fs);
    if (!fam || done.has(fam.pattern)) continue;
    done.add(fam.pattern);
    if (fam.members.length <= 1) continue;
    out.push(fam.bytes > opts.limitBytes || fam.members.length > FAMILY_MAX_FILES ? { ...fam, members: [], cut: true } : fam);
  }
  return out;
}

/** The component indexes a key may be at: the file name and a few directory levels above it (never the top level). */
function keyLevels(n: number): number[] {
  const out: number[] = [];
  for (let i = n - 1; i >= Math.max(1, n - KEY_DEPTH); i--) out.push(i);
  return out;
}

/** The path with component i replaced by "*" (and, for the file name, its kind kept). */
function shape(comps: string[], i: number): string {
  const c = comps.slice();
  c[i] = i === comps.length - 1 ? `*${kindOf(comps[i]!)}` : '*';
  return '/' + c.join('/');
}

function byCandidates(f: string, comps: string[], failedShapes: Map<string, number>, fs: Fs): Family | undefined {
  for (const i of keyLevels(comps.length)) {
    const pattern = shape(comps, i);
    const tried = failedShapes.get(pattern);
    if (!tried) continue;
    const prefix = '/' + comps.slice(0, i).join('/');
    if (prefix === '/' || isBroad(prefix) && i === comps.length - 1) continue;
    const members = i === comps.length - 1
      ? siblingsOfKind(fs, prefix, kindOf(comps[i]!))
      : fs.list(prefix).map((k) => joinPath(prefix, [k, ...comps.slice(i + 1)].join('/'))).filter((p) => fs.isFile(p));
    return { trigger: f, pattern, evidence: `${tried} other name${tried === 1 ? '' : 's'} of this shape tried`, ...sized(members, fs) };
  }
  return undefined;
}

function byHomogeneousDir(f: string, comps: string[], reads: Set<string>, fs: Fs): Family | undefined {
  if (comps.length < 3) return undefined;
  const dir = '/' + comps.slice(0, -1).join('/');
  if (isBroad(dir)) return undefined;
  const kind = kindOf(comps[comps.length - 1]!);
  const files: string[] = [];
  for (const n of fs.list(dir)) {
    const p = joinPath(dir, n);
    const st = fs.stat(p);
    if (st?.type !== 'file') return undefined; // subdirectories: a tree, not a flat family
    if (kindOf(n) !== kind) return undefined;
    files.push(p);
  }
  if (files.length < 3) return undefined;
  if (files.filter((p) => reads.has(p)).length > 1) return undefined;
  const what = kind ? `${kind} files` : 'files without an extension';
  return { trigger: f, pattern: `${dir}/*${kind}`, evidence: `the only one read of ${files.length} ${what}`, ...sized(files, fs) };
}

function siblingsOfKind(fs: Fs, dir: string, kind: string): string[] {
  return fs.list(dir).map((n) => joinPath(dir, n)).filter((p) => kindOf(p.slice(p.lastIndexOf('/') + 1)) === kind && fs.isFile(p));
}

function sized(members: string[], fs: Fs): { members: string[]; bytes: number } {
  let bytes = 0;
  for (const m of members) bytes += fs.stat(m)?.size ?? 0;
  return { members, bytes };
}
