// Thousands of mutated archives (headers, sizes, PAX records, truncations, gzip streams) fed to
// every reader: docker-archive, OCI archive (plain and gzipped), OCI layout dir, xray, and
// xray's one-pass `docker save` stream parser. Each case must end within CASE_LIMIT_MS in
// success or a one-line user error, and leave nothing in its temp dir. The cases run in a
// worker thread (bundled from TypeScript here) so a case that loops can be stopped.
import { existsSync, mkdirSync, mkdtempSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { build } from 'rolldown';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ROOT } from '../helpers/docker.js';
import type { Outcome } from './fuzz-cases.js';

const SEED = Number(process.env.SLIMTS_FUZZ_SEED ?? 20261130);
const CASES = Number(process.env.SLIMTS_FUZZ_CASES ?? 2000);
const CASE_LIMIT_MS = 10_000; // generous for a loaded machine: cases take milliseconds, the bomb about a second

// Bare imports (tar-stream, dockerode) stay imports, so the bundle lives under node_modules.
const bundleDir = join(ROOT, `node_modules/.cache/slimts-fuzz/${process.pid}`);
let bundle = '';

beforeAll(async () => {
  const out = await build({ input: join(ROOT, 'test/tar/fuzz-worker.ts'), external: [/^[^./]/], platform: 'node', write: false, output: { format: 'esm' } });
  mkdirSync(bundleDir, { recursive: true });
  for (const o of out.output) writeFileSync(join(bundleDir, o.fileName), o.type === 'chunk' ? o.code : o.source);
  bundle = join(bundleDir, out.output[0].fileName);
});
afterAll(() => {
  rmSync(bundleDir, { recursive: true, force: true });
  try {
    rmdirSync(dirname(bundleDir)); // only when no parallel run still uses it
  } catch {
    /* not empty */
  }
});

type CaseId = number | string;

/** A worker's scratch dir: tmpfs when there is one (thousands of small files come and go). */
function workDir(): string {
  return mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'slimts-fuzz-'));
}

interface Result {
  outcomes: Map<CaseId, Outcome>;
  hung?: CaseId;
  error?: string;
}

function runWorker(from: number, to: number, named: boolean): Promise<Result> {
  return new Promise((resolve) => {
    const outcomes = new Map<CaseId, Outcome>();
    const work = workDir();
    const w = new Worker(bundle, { workerData: { seed: SEED, from, to, named, work } });
    let timer: NodeJS.Timeout | undefined;
    const finish = (r: Partial<Result>) => {
      clearTimeout(timer);
      rmSync(work, { recursive: true, force: true });
      resolve({ outcomes, ...r });
    };
    w.on('message', (m: { type: string; index: CaseId; outcome: Outcome }) => {
      if (m.type === 'start') {
        clearTimeout(timer);
        timer = setTimeout(() => void w.terminate().then(() => finish({ hung: m.index })), CASE_LIMIT_MS);
      } else if (m.type === 'done') {
        clearTimeout(timer);
        outcomes.set(m.index, m.outcome);
      } else if (m.type === 'end') void w.terminate().then(() => finish({}));
    });
    w.on('error', (e) => finish({ error: e.stack ?? String(e) }));
  });
}

test(`the hostile archives of issue 11 and ${CASES} mutated ones through every reader: no hang, no crash, nothing left behind`, async () => {
  // Two workers: the machine's two cores. The first also runs the named cases.
  const half = Math.ceil(CASES / 2);
  const results = await Promise.all([runWorker(0, half, true), runWorker(half, CASES, false)]);
  const crashes: string[] = [];
  const counts = { ok: 0, user: 0 };
  for (const r of results) {
    expect(r.error, 'the worker failed').toBeUndefined();
    expect(r.hung, `case ${String(r.hung)} of seed ${SEED} ran past ${CASE_LIMIT_MS} ms`).toBeUndefined();
    for (const [i, o] of r.outcomes) {
      if (o.kind === 'crash') crashes.push(`case ${String(i)}: ${o.message}`);
      else counts[o.kind]++;
    }
  }
  expect(crashes.slice(0, 8)).toEqual([]);
  const named = [...results[0]!.outcomes.keys()].filter((k) => typeof k === 'string');
  expect(named.length).toBeGreaterThan(8);
  expect(counts.ok + counts.user).toBe(CASES + named.length);
  // The mutations must reach the checks, not only bounce off the first header.
  expect(counts.user).toBeGreaterThan(CASES / 3);
  expect(counts.ok).toBeGreaterThan(CASES / 20);
}, 300_000);
