// What `explain` reads of a build report (slim.report.json, src/slim/SCHEMA.md): its own view
// of the fields it uses, checked as it loads, so a foreign or damaged file is one clear line.
import { readFileSync, statSync } from 'node:fs';
import { UserError } from '../util/errors.js';
import { decodePathList, type ListedEntry } from '../util/path-list.js';

export interface ReasonData {
  kind: string;
  of?: string;
  detail?: string;
  line?: number;
}

export interface KeptInput {
  path: string;
  type: string;
  size: number;
  reasons: string[];
  why?: ReasonData[];
}

export interface ProbeInput {
  kind: string;
  target: string;
  ok: boolean;
  status?: number;
  error?: string;
  ms?: number;
}

/** The parts of a build report explain reads (more fields are carried along untouched). */
export interface ReportInput {
  ok?: boolean;
  source: { ref: string; id?: string; size?: number; files: number; bytes: number };
  output: { where: string; kind?: string; size?: number; layerSize?: number; files: number; bytes: number };
  ratio?: number;
  probes?: ProbeInput[];
  verify?: { ran: boolean; ok: boolean; notes: string[]; probes?: ProbeInput[] };
  references?: { byReason?: { reason: string; files: number; bytes: number }[]; dataSets?: { set: string; what: string; trigger: string; roots: string[] }[] };
  kept: KeptInput[];
  dropped?: { count: number; bytes: number; encoding: string; entries: string };
  added?: { path: string; size: number }[];
  /** Package counts before → after, when the build recorded them (any shape; shown as given). */
  packages?: unknown;
  [key: string]: unknown;
}

export interface LoadedReport {
  file: string;
  report: ReportInput;
  /** Entries the build left out (undefined: the report predates the list). */
  dropped?: ListedEntry[];
}

/** Reports bigger than this are not a build report (a 1.5 GB image's is a few MB). */
const MAX_REPORT_BYTES = 512 * 1024 * 1024;

export function loadReport(file: string): LoadedReport {
  let text: string;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new UserError(`${file} is a directory, not a build report`);
    if (st.size > MAX_REPORT_BYTES) throw new UserError(`${file} is ${st.size} bytes: too big for a build report`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `no build report at ${file} (run slimts build first, or name the report)` : `cannot read ${file}: ${code ?? err}`);
  }
  let report: unknown;
  try {
    report = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file} is not JSON: ${(err as Error).message}`);
  }
  return checkReport(file, report);
}

export function checkReport(file: string, report: unknown): LoadedReport {
  const r = report as ReportInput;
  if (typeof r !== 'object' || r === null || !Array.isArray(r.kept) || typeof r.source !== 'object' || typeof r.output !== 'object') {
    throw new UserError(`${file} is not a slimts build report (no source, output and kept list)`);
  }
  for (const k of r.kept) {
    if (typeof k?.path !== 'string' || !k.path.startsWith('/') || !Array.isArray(k.reasons)) throw new UserError(`${file}: a kept entry has no absolute path or reasons`);
  }
  let dropped: ListedEntry[] | undefined;
  if (r.dropped !== undefined) {
    if (r.dropped.encoding !== 'front-coded-v1' || typeof r.dropped.entries !== 'string') {
      throw new UserError(`${file}: dropped entries in an unknown encoding '${String(r.dropped.encoding)}'`);
    }
    try {
      dropped = decodePathList(r.dropped.entries);
    } catch (err) {
      throw new UserError(`${file}: dropped entries: ${(err as Error).message}`);
    }
  }
  return { file, report: r, dropped };
}
