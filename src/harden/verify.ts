// The hardened verify: the slim image run once more with the profile, the capability set and
// the read-only root together, with the same probes, compared with the traced run. When that
// fails, each part runs alone to tell which parts held.
import { compareRuns, runPlain } from '../run/index.js';
import type { PlainRunOptions, RunOverrides, RunResult } from '../run/types.js';
import type { Hardening } from './plan.js';

export type Part = 'seccomp' | 'capabilities' | 'readOnly';

export interface HardenedVerifyReport {
  ran: boolean;
  ok: boolean;
  /** Per part: true when a run with it passed (all together, or alone after a failure). */
  held: Partial<Record<Part, boolean>>;
  notes: string[];
}

export interface HardenedVerifyOptions extends Omit<PlainRunOptions, 'overrides'> {
  overrides?: RunOverrides;
  hardening: Hardening;
  /** The run the slim image must answer like (the traced run). */
  reference: RunResult;
}

/** The run overrides for some parts of a hardening, on top of the user's own. */
export function hardenedOverrides(h: Hardening, parts: readonly Part[], base: RunOverrides = {}): RunOverrides {
  const o: RunOverrides = { ...base };
  if (parts.includes('seccomp') && h.profile) o.securityOpt = [...(base.securityOpt ?? []), `seccomp=${JSON.stringify(h.profile)}`];
  if (parts.includes('capabilities')) {
    o.capDrop = ['ALL'];
    o.capAdd = h.caps.map((c) => c.cap);
  }
  if (parts.includes('readOnly') && h.readOnly) {
    o.readOnly = true;
    o.tmpfs = h.tmpfs.map((t) => `${t.path}:${t.options}`);
  }
  return o;
}

export async function verifyHardened(opts: HardenedVerifyOptions): Promise<HardenedVerifyReport> {
  const h = opts.hardening;
  const parts: Part[] = [...(h.profile ? ['seccomp' as const] : []), 'capabilities', ...(h.readOnly ? ['readOnly' as const] : [])];
  const notes: string[] = [];
  if (!h.readOnly) notes.push(`the root cannot be read-only: ${h.blockers.join('; ')}`);
  const all = await attempt(opts, parts);
  if (all.ok) return { ran: true, ok: true, held: Object.fromEntries(parts.map((p) => [p, true])), notes };
  notes.push(...all.notes.map((n) => `hardened run: ${n}`));
  const held: Partial<Record<Part, boolean>> = {};
  for (const p of parts) {
    const alone = await attempt(opts, [p]);
    held[p] = alone.ok;
    if (!alone.ok) notes.push(...alone.notes.map((n) => `${p} alone: ${n}`));
  }
  return { ran: true, ok: false, held, notes };
}

async function attempt(opts: HardenedVerifyOptions, parts: readonly Part[]): Promise<{ ok: boolean; notes: string[] }> {
  const { hardening, reference, ...run } = opts;
  const r = await runPlain({ ...run, overrides: hardenedOverrides(hardening, parts, opts.overrides), allowNonZeroExit: true })
    .catch((err: unknown) => err as Error);
  if (r instanceof Error) return { ok: false, notes: [`did not run: ${r.message.split('\n')[0]}`] };
  const regressions = compareRuns(reference, r);
  return { ok: regressions.length === 0, notes: regressions.map((x) => `${x.target}: ${x.message}`) };
}
