// Worker side of the fuzz test: runs the named cases (if asked) and cases [from, to) of a
// seed, reporting the start and the outcome of each, so the test thread can stop a case that
// hangs, even in a tight loop.
import { parentPort, workerData } from 'node:worker_threads';
import { NAMED, baseImage, runCase, runNamed } from './fuzz-cases.js';

// `work` belongs to the test thread, which removes it even when it has to stop this worker.
const { seed, from, to, named, work } = workerData as { seed: number; from: number; to: number; named: boolean; work: string };
const post = (m: unknown) => parentPort!.postMessage(m);
const base = await baseImage();
if (named) {
  for (let i = 0; i < NAMED.length; i++) {
    post({ type: 'start', index: `named ${i} (${NAMED[i]!.name})` });
    post({ type: 'done', index: `named ${i} (${NAMED[i]!.name})`, outcome: await runNamed(i, work) });
  }
}
for (let i = from; i < to; i++) {
  post({ type: 'start', index: i });
  post({ type: 'done', index: i, outcome: await runCase(base, seed, i, work) });
}
post({ type: 'end' });
