// The stargz tools built from Debian's Go sources by bin/build-stargz-snapshotter
// (containerd-stargz-grpc, estargz-verify). ensureStargzTools() builds them when missing
// (a no-op when up to date); a failed build fails the test, nothing is skipped.
import { execFileSync, spawnSync } from 'node:child_process';
import { ROOT } from './docker.js';

export const STARGZ_DIR = process.env.SLIMTS_STARGZ_DIR ?? '/usr/local/libexec/slimts';

export function ensureStargzTools(): { daemon: string; verify: string } {
  execFileSync('bash', [`${ROOT}/bin/build-stargz-snapshotter`], { stdio: ['ignore', 'ignore', 'inherit'] });
  return { daemon: `${STARGZ_DIR}/containerd-stargz-grpc`, verify: `${STARGZ_DIR}/estargz-verify` };
}

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
