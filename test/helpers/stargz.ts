// The stargz tools built from Debian's Go sources by bin/build-stargz-snapshotter
// (containerd-stargz-grpc, estargz-verify). ensureStargzTools() builds them when missing
// (a no-op when up to date); a failed build fails the test, nothing is skipped.
import { spawnSync } from 'node:child_process';
// @ts-expect-error: plain JS module (shared with the lazy bench), typed here
import { ensureStargzTools as ensure, STARGZ_DIR as DIR } from './lazy-stack.mjs';

export const STARGZ_DIR = DIR as string;
export const ensureStargzTools = ensure as () => { daemon: string; verify: string };

export interface Verified {
  tocDigest: string;
  diffID: string;
  uncompressedSize: number;
  entries: number;
  files: number;
  chunks: number;
  prefetchLandmark: number | null;
  noPrefetch: boolean;
  prefetch: string[];
}

/** Runs the estargz library's checks on a blob (see tools/estargz-verify); throws with its reason. */
export function verifyEstargz(verify: string, blob: string, tocDigest?: string): Verified {
  const r = spawnSync(verify, tocDigest ? [blob, tocDigest] : [blob], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`estargz-verify ${blob}: ${r.stderr.trim() || `exit ${r.status}`}`);
  return JSON.parse(r.stdout) as Verified;
}
