// slim.report.json: what went in, what came out, why each file was kept, how the app was
// exercised and whether the slim image still does the same.
import type { HardeningReport } from './harden.js';
import type { ProbeResult } from '../probe/types.js';
import type { AppPrivileges } from '../run/caps.js';
import type { KeepSet, Reason } from '../select/index.js';
import type { FsIndex } from '../image/types.js';
import { encodePathList } from '../util/path-list.js';
import { formatReason } from '../select/index.js';
import type { ReferencesReport } from './keep.js';
import type { EstargzSummary } from '../oci/types.js';
import type { PackagesReport } from './packages.js';

export interface KeptFile {
  path: string;
  type: string;
  size: number;
  reasons: string[];
  /** The same reasons as data (kind, the path it is kept for, detail, line), for `slimts explain`. */
  why?: Reason[];
}

/** Entries of the original image the slim image left out, front-coded (src/util/path-list.ts). */
export interface DroppedList {
  count: number;
  /** Bytes of the dropped regular files. */
  bytes: number;
  encoding: 'front-coded-v1';
  entries: string;
}

export interface VerifyReport {
  ran: boolean;
  ok: boolean;
  /** Why it did not run, or what differed. */
  notes: string[];
  /** When it failed: the slim app's last lines (at most 20 / 4 KiB, control characters escaped). */
  appOutput?: string[];
  probes?: ProbeResult[];
  exitCode?: number;
}

export interface BuildReport {
  schemaVersion: 1;
  ok: boolean;
  /** The exit status the CLI returns: 0 ok, 3 verify failed. */
  exitCode: number;
  source: { ref: string; id?: string; size?: number; files: number; bytes: number };
  output: {
    kind: string; where: string; imageId?: string; size?: number; fileSize?: number; layerSize: number; blobSize: number; files: number; bytes: number;
    /** The layer as written: tar (for an engine, which stores layers uncompressed), gzip, or estargz. */
    format: 'tar' | 'gzip' | 'estargz';
    estargz?: EstargzReport;
  };
  /** source.size / output size (engine sizes when both known, else merged-fs bytes). */
  ratio: number;
  /** `app`: the capability sets the app ran with (right after its first exec), as the sensor recorded them. */
  trace: { events: number; processes?: number; mode?: string; complete: boolean; exitCode?: number; warnings: string[]; app?: AppPrivileges };
  probes: ProbeResult[];
  verify: VerifyReport;
  /** What was kept because kept code refers to it or kept programs read it on demand (src/refs). */
  references: ReferencesReport;
  /** The package inventory: packages before → after, the ones removed, the SBOM (src/slim/packages.ts). */
  packages?: PackagesReport;
  /** With --harden / --seccomp-profile: the profile, capabilities, read-only root and their verify run. */
  hardening?: HardeningReport;
  /** With --observations: the runs read and what only they kept. */
  observations?: ObservationsReport;
  /** Milliseconds per stage, in order. */
  stages: Record<string, number>;
  totalMs: number;
  kept: KeptFile[];
  /** What the slim image left out of the original, so `slimts explain` can show the original tree. */
  dropped?: DroppedList;
  /** Host files added with --exe (not in the original image, or replacing a file there). */
  added?: { path: string; size: number }[];
}

/** `build --observations`: each observation file used (one container start), and what it added. */
export interface ObservationsReport {
  runs: Array<{ file: string; host: string; mode: string; events: number; complete: boolean; dropped: number; rejected: number }>;
  /** Distinct events over all runs. */
  events: number;
  /** Distinct paths observed. */
  paths: number;
  /** Entries whose only traced reasons are observations (the build's own run did not touch them). */
  keptByObservation: number;
  /** Files skipped or used in part, and why. */
  warnings: string[];
}

/** An eStargz layer: its TOC, what a lazy puller fetches before the container starts, what start-up read only in part. */
export interface EstargzReport {
  /** The `containerd.io/snapshot/stargz/toc.digest` annotation. */
  tocDigest: string;
  /** TOC entries before the prefetch landmark (0: `.no.prefetch.landmark`, nothing read at start-up). */
  prefetchEntries: number;
  /** Regular files among them. */
  prefetchFiles: number;
  /** Compressed bytes before the landmark. */
  prefetchBytes: number;
  /** Files start-up read only in part: right after the landmark, chunked where its reads start. */
  partialFiles: string[];
}

export function estargzReport(s: EstargzSummary): EstargzReport {
  return { tocDigest: s.tocDigest, prefetchEntries: s.prefetchEntries, prefetchFiles: s.prefetchFiles.length, prefetchBytes: s.prefetchBytes, partialFiles: s.partialFiles };
}

export function keptFiles(keep: KeepSet): KeptFile[] {
  return [...keep.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([path, k]) => ({
      path,
      type: k.entry.type,
      size: k.entry.type === 'file' || k.entry.type === 'hardlink' ? (k.entry.content?.size ?? k.entry.size) : 0,
      reasons: k.reasons.map(formatReason),
      why: k.reasons.map(compactReason),
    }));
}

function compactReason(r: Reason): Reason {
  const out: Reason = { kind: r.kind };
  if (r.of !== undefined) out.of = r.of;
  if (r.detail !== undefined) out.detail = r.detail;
  if (r.line !== undefined) out.line = r.line;
  return out;
}

/** Every entry of the original the keep-set left out, in path order. */
export function droppedList(index: FsIndex, keep: KeepSet): DroppedList {
  let count = 0;
  let bytes = 0;
  const dropped = [];
  for (const e of index.entries()) {
    if (keep.has(e.path)) continue;
    const size = e.type === 'file' ? e.size : 0;
    count++;
    bytes += size;
    dropped.push({ path: e.path, type: e.type, size });
  }
  return { count, bytes, encoding: 'front-coded-v1', entries: encodePathList(dropped) };
}

function mb(n: number | undefined): string {
  return n === undefined ? '?' : `${(n / 1e6).toFixed(1)} MB`;
}

/** The engine's size; else the file's (or the stored layer's) beside the uncompressed size, said so. */
function outputSize(o: BuildReport['output']): string {
  if (o.size !== undefined) return mb(o.size);
  const unpacked = `${mb(o.layerSize)} uncompressed`;
  if (o.fileSize !== undefined) return o.format === 'tar' ? `${mb(o.fileSize)} file` : `${mb(o.fileSize)} file, ${unpacked}`;
  return o.format === 'tar' ? unpacked : `${mb(o.blobSize)} compressed, ${unpacked}`;
}

/** The plain-text summary printed at the end (also under a TTY, after the live view). */
export function summaryLines(r: BuildReport, reportPath?: string): string[] {
  const lines: string[] = [];
  lines.push(`${r.source.ref}: ${mb(r.source.size)} → ${r.output.where}: ${outputSize(r.output)} (${r.ratio.toFixed(1)}× smaller, ${r.output.files} of ${r.source.files} entries kept)`);
  const probes = r.probes.filter((p) => p.ok).length;
  lines.push(`traced ${r.trace.events} events${r.trace.mode ? ` (${r.trace.mode})` : ''}; probes: ${probes}/${r.probes.length} ok`);
  const es = r.output.estargz;
  if (es) {
    lines.push(`eStargz: ${es.prefetchFiles} files read at start-up prefetched first (${mb(es.prefetchBytes)} of ${mb(r.output.blobSize)}); TOC ${es.tocDigest}`);
    if (es.partialFiles.length) lines.push(`  read only in part, fetched on demand: ${es.partialFiles.join(', ')}`);
  }
  for (const w of r.trace.warnings) lines.push(`warning: ${w}`);
  if (r.packages) lines.push(...packageLines(r.packages));
  if (!r.verify.ran) lines.push(`verify: skipped${r.verify.notes.length ? ` (${r.verify.notes.join('; ')})` : ''}`);
  else if (r.verify.ok) lines.push('verify: the slim image answers like the original');
  else {
    lines.push('verify: FAILED — the slim image does worse than the original:');
    for (const n of r.verify.notes) lines.push(`  - ${n}`);
    if (r.verify.appOutput?.length) lines.push("the slim app's last output:", ...r.verify.appOutput.map((l) => `  | ${l}`));
  }
  if (r.hardening) lines.push(...hardeningLines(r.hardening));
  lines.push(`stages: ${Object.entries(r.stages).map(([k, v]) => `${k} ${(v / 1000).toFixed(2)}s`).join(', ')}; total ${(r.totalMs / 1000).toFixed(2)}s`);
  if (reportPath) lines.push(`report: ${reportPath}`);
  return lines;
}

function hardeningLines(h: HardeningReport): string[] {
  const held = Object.entries(h.verify.held).map(([k, v]) => `${k} ${v ? 'held' : 'FAILED'}`).join(', ');
  const lines = [`hardening: ${h.capabilities.length} capabilities, ${h.syscalls.allowed} syscalls allowed, ${h.readOnly ? `read-only root with ${h.tmpfs.length} tmpfs` : 'writable root'}${h.profileFile ? `; profile: ${h.profileFile}` : ''}`];
  if (!h.verify.ran) lines.push(`  hardened verify: skipped (${h.verify.notes.join('; ')})`);
  else lines.push(`  hardened verify: ${h.verify.ok ? 'passed' : 'FAILED'} (${held})`);
  for (const n of h.verify.ok ? [] : h.verify.notes) lines.push(`  - ${n}`);
  lines.push(`  ${h.dockerRun}`);
  return lines;
}

function packageLines(p: PackagesReport): string[] {
  if (!p.enabled) return ['packages: no package database kept (--no-package-db): scanners see no packages'];
  if (!p.db || p.db === 'rpm') return [`packages: ${p.note ?? 'none'}`];
  const lines = [`packages: ${p.before} → ${p.after} (${p.db}; ${p.removed.length} removed; the inventory adds ${(p.inventoryBytes / 1e3).toFixed(1)} kB)`];
  if (p.note) lines.push(`  ${p.note}`);
  if (p.sbom?.file) lines.push(`  SBOM: ${p.sbom.file}`);
  if (p.sbom?.pushed) lines.push(`  SBOM attached: ${p.sbom.pushed}`);
  return lines;
}
