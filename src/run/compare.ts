// What got worse between the original image's run and the slim image's run.
import type { ProbeResult } from '../probe/types.js';
import type { RunResult } from './types.js';

export interface Regression {
  /** Probe target, or "exit-code", "stdout", "health". */
  target: string;
  message: string;
}

export function compareRuns(original: RunResult, slim: RunResult): Regression[] {
  const out: Regression[] = [];
  const slimProbes = new Map<string, ProbeResult>(slim.probes.map((p) => [p.target, p]));
  for (const o of original.probes) {
    if (!o.ok) continue; // only what worked before can regress
    const s = slimProbes.get(o.target);
    if (!s) out.push({ target: o.target, message: 'not probed in the slim run' });
    else if (!s.ok) out.push({ target: o.target, message: `was ok${o.status !== undefined ? ` (${o.status})` : ''}, now fails: ${s.error ?? `status ${s.status}`}` });
    else if (o.protocol && s.protocol && o.protocol !== s.protocol) out.push({ target: o.target, message: `spoke ${o.protocol}, now ${s.protocol}` });
    else if (o.status !== s.status) out.push({ target: o.target, message: `status ${o.status} became ${s.status}` });
    else if (o.static && o.bodyHash && s.bodyHash && o.bodyHash !== s.bodyHash) out.push({ target: o.target, message: 'static content changed' });
  }
  if (original.exitedByItself || slim.exitedByItself) {
    if (original.exitCode !== slim.exitCode) out.push({ target: 'exit-code', message: `exit code ${original.exitCode} became ${slim.exitCode}` });
    if (original.stdout !== slim.stdout) out.push({ target: 'stdout', message: `stdout differs (${firstDiff(original.stdout, slim.stdout)})` });
  }
  if (original.health?.status === 'healthy' && slim.health?.status === 'unhealthy') {
    out.push({ target: 'health', message: `became unhealthy${slim.health.lastOutput ? `: ${slim.health.lastOutput}` : ''}` });
  }
  return out;
}

function firstDiff(a: string, b: string): string {
  const al = a.split('\n');
  const bl = b.split('\n');
  for (let i = 0; i < Math.max(al.length, bl.length); i++) {
    if (al[i] !== bl[i]) return `line ${i + 1}: ${JSON.stringify(al[i] ?? '')} vs ${JSON.stringify(bl[i] ?? '')}`;
  }
  return 'whitespace';
}
