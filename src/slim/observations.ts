// `build --observations PATH`: observation files (recorded by `slimts instrument`'s images while
// the user's own tests ran) merged with the build's traced run. They are checked against the
// image being slimmed, read with bounds, and every file they keep says so (reason `observed`).
import { lstatSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { KeepSet, Reason, TraceLike } from '../select/index.js';
import { ObservationProblem, readObservation } from '../trace/observation.js';
import type { Observation } from '../trace/observation.js';
import { UserError } from '../util/errors.js';

/** At most this many files from directories, and this many bytes in all: more is refused, not slowly read. */
const MAX_FILES = 10_000;
const MAX_TOTAL_BYTES = 4 * 1024 * 1024 * 1024;

export interface ObservationRun {
  /** The file's name (as given, or DIR/NAME). */
  file: string;
  host: string;
  mode: string;
  events: number;
  complete: boolean;
  dropped: number;
  rejected: number;
}

export interface LoadedObservations {
  runs: ObservationRun[];
  /** Distinct events of every run, for the keep-set. */
  events: TraceLike[];
  /** Path → the runs (files) that touched it. */
  seenBy: Map<string, string[]>;
  warnings: string[];
}

/** Files of each PATH (a file, or the `*.slimobs` files of a directory), checked against `imageId`. */
export function loadObservations(paths: string[], imageId: string): LoadedObservations {
  const warnings: string[] = [];
  const files = paths.flatMap((p) => filesOf(p, warnings));
  const runs: ObservationRun[] = [];
  const events: TraceLike[] = [];
  const seenEvent = new Set<string>();
  const seenBy = new Map<string, string[]>();
  let bytes = 0;
  for (const file of files) {
    const size = lstatSync(file, { throwIfNoEntry: false })?.size ?? 0;
    if (bytes + size > MAX_TOTAL_BYTES) {
      warnings.push(`${file}: skipped: the observations read so far reach the ${MAX_TOTAL_BYTES / 2 ** 30} GiB bound`);
      continue;
    }
    let obs: Observation;
    try {
      obs = readObservation(file);
    } catch (err) {
      if (!(err instanceof ObservationProblem)) throw err;
      warnings.push(`${file}: skipped: ${err.message}`);
      continue;
    }
    if (obs.image !== imageId) {
      throw new UserError(`--observations ${file}: recorded from image ${obs.image}, not ${imageId} (slim the image it was instrumented from)`);
    }
    bytes += size;
    if (!obs.complete) warnings.push(`${file}: incomplete (the container was killed, or the file was cut): its events up to the cut are used`);
    if (obs.dropped) warnings.push(`${file}: the sensor reached the file's bound and did not record ${obs.dropped} events (instrument with a larger --max-size)`);
    if (obs.rejected) warnings.push(`${file}: ${obs.rejected} malformed lines ignored (bad paths such as relative or \`..\` ones, bad fields)`);
    if (obs.mode === 'none') warnings.push(`${file}: the app ran untraced there (the runtime forbade ptrace): it observed nothing`);
    for (const ev of obs.events) {
      for (const p of ev.path2 !== undefined && !/symlink/.test(ev.syscall) ? [ev.path, ev.path2] : [ev.path]) {
        const by = seenBy.get(p);
        if (!by) seenBy.set(p, [file]);
        else if (by[by.length - 1] !== file) by.push(file);
      }
      const key = `${ev.intent}\t${ev.result}\t${ev.path}\t${ev.path2 ?? ''}`;
      if (seenEvent.has(key)) continue;
      seenEvent.add(key);
      events.push(ev);
    }
    runs.push({ file, host: obs.host, mode: obs.mode, events: obs.events.length, complete: obs.complete, dropped: obs.dropped, rejected: obs.rejected });
  }
  if (runs.length === 0) throw new UserError(`--observations ${paths.join(', ')}: no usable observation file${warnings.length ? ` (${warnings[0]})` : ''}`);
  return { runs, events, seenBy, warnings };
}

function filesOf(path: string, warnings: string[]): string[] {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st) throw new UserError(`--observations ${path}: no such file or directory`);
  if (st.isFile()) return [path];
  if (!st.isDirectory()) throw new UserError(`--observations ${path}: not a file or directory`);
  const names = readdirSync(path).filter((n) => n.endsWith('.slimobs')).sort();
  if (names.length > MAX_FILES) {
    warnings.push(`${path}: ${names.length} observation files, only the first ${MAX_FILES} (by name) are read`);
    names.length = MAX_FILES;
  }
  if (names.length === 0) throw new UserError(`--observations ${path}: no *.slimobs files in the directory`);
  return names.map((n) => join(path, n));
}

/**
 * The keep-set was selected from the build's own trace plus the observed events, so an
 * observed path carries a `traced` reason: it becomes `observed` (which runs, how many), and
 * the `traced` one stays only where the build's own run touched the path too.
 */
export function labelObserved(keep: KeepSet, own: Iterable<TraceLike>, obs: Pick<LoadedObservations, 'seenBy' | 'runs'>): number {
  const ownPaths = new Set<string>();
  for (const ev of own) {
    ownPaths.add(ev.path);
    if (ev.path2) ownPaths.add(ev.path2);
  }
  const total = obs.runs.length;
  let byObservation = 0;
  for (const k of keep.values()) {
    let changed = false;
    const out: Reason[] = [];
    for (const r of k.reasons) {
      const by = r.kind === 'traced' && r.of ? obs.seenBy.get(r.of) : undefined;
      if (!by) {
        out.push(r);
        continue;
      }
      changed = true;
      if (ownPaths.has(r.of!)) out.push(r);
      const names = by.slice(0, 3).map((f) => basename(f)).join(', ') + (by.length > 3 ? ', …' : '');
      const detail = `${r.detail ?? 'access'} of ${r.of} in ${by.length} of ${total} run${total === 1 ? '' : 's'} (${names})`;
      if (!out.some((o) => o.kind === 'observed' && o.of === r.of && o.detail === detail)) out.push({ kind: 'observed', of: r.of, detail });
    }
    if (changed) {
      k.reasons = out;
      if (!out.some((r) => r.kind === 'traced')) byObservation++;
    }
  }
  return byObservation;
}
