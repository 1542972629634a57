// The CI gate: dive's rules (same names, thresholds, comparisons and `.dive-ci` file) plus
// max-size. A rule set to "disabled" is skipped.
import { existsSync, readFileSync } from 'node:fs';
import { UserError } from '../util/errors.js';

export const RULES = ['lowest-efficiency', 'highest-wasted-bytes', 'highest-user-wasted-percent', 'max-size'] as const;
export type RuleName = (typeof RULES)[number];
export type GateConfig = Record<RuleName, string>;

export const DEFAULT_GATE: GateConfig = {
  'lowest-efficiency': '0.9',
  'highest-wasted-bytes': 'disabled',
  'highest-user-wasted-percent': '0.1',
  'max-size': 'disabled',
};

export interface RuleResult {
  rule: RuleName;
  status: 'pass' | 'fail' | 'skip';
  threshold: string;
  actual: number | null;
  message?: string;
}

export interface GateResult {
  pass: boolean;
  rules: RuleResult[];
}

const UNITS: Record<string, number> = {
  '': 1, b: 1,
  k: 1e3, kb: 1e3, ki: 1024, kib: 1024,
  m: 1e6, mb: 1e6, mi: 1024 ** 2, mib: 1024 ** 2,
  g: 1e9, gb: 1e9, gi: 1024 ** 3, gib: 1024 ** 3,
  t: 1e12, tb: 1e12, ti: 1024 ** 4, tib: 1024 ** 4,
};

/** Parses "20MB" (SI, like dive's go-humanize), "1.5GiB" (binary) or a plain byte count. */
export function parseSize(s: string): number {
  const m = /^([0-9]*\.?[0-9]+)\s*([a-zA-Z]*)$/.exec(s.replace(/[,\s]/g, ''));
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new UserError(`invalid size '${s}' (examples: 20MB, 1.5GiB, 1048576)`);
  return Math.floor(Number(m[1]) * unit);
}

function parseRatio(rule: RuleName, s: string): number {
  const v = Number(s);
  if (s.trim() === '' || !Number.isFinite(v)) throw new UserError(`invalid value '${s}' for ${rule} (a number like 0.9)`);
  return v;
}

// dive's keys are kebab-case in .dive-ci; accept camelCase too (dive's internal names).
const ALIASES: Record<string, RuleName> = {
  lowestefficiency: 'lowest-efficiency',
  highestwastedbytes: 'highest-wasted-bytes',
  highestuserwastedpercent: 'highest-user-wasted-percent',
  maxsize: 'max-size',
};

/** The tiny YAML subset `.dive-ci` uses: a `rules:` map of scalar values, with comments. */
export function parseDiveCi(text: string, file = '.dive-ci'): Partial<GateConfig> {
  const out: Partial<GateConfig> = {};
  let inRules = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trimEnd();
    if (!line.trim()) continue;
    const indented = /^\s/.test(line);
    const m = /^\s*([A-Za-z_-]+)\s*:\s*(.*)$/.exec(line);
    if (!m) throw new UserError(`${file}: cannot parse line: ${raw.trim()}`);
    if (!indented) {
      inRules = m[1] === 'rules';
      continue;
    }
    if (!inRules) continue;
    const rule = ALIASES[m[1].replace(/[-_]/g, '').toLowerCase()];
    if (!rule) throw new UserError(`${file}: unknown rule '${m[1]}' (known: ${RULES.join(', ')})`);
    out[rule] = m[2].trim().replace(/^(['"])(.*)\1$/, '$2');
  }
  return out;
}

export function loadGateConfig(opts: { ciConfig?: string; cwd?: string; cli?: Partial<GateConfig> }): GateConfig {
  const cfg: GateConfig = { ...DEFAULT_GATE };
  const file = opts.ciConfig ?? `${opts.cwd ?? process.cwd()}/.dive-ci`;
  if (opts.ciConfig !== undefined || existsSync(file)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new UserError(`cannot read CI config ${file}: ${(e as Error).message}`);
    }
    Object.assign(cfg, parseDiveCi(text, file));
  }
  // Flags given on the command line win over the file.
  for (const [k, v] of Object.entries(opts.cli ?? {})) if (v !== undefined) cfg[k as RuleName] = v;
  // Reject bad thresholds before the (possibly long) analysis, not after.
  for (const rule of RULES) {
    const v = cfg[rule].trim();
    if (v === 'disabled') continue;
    if (rule === 'highest-wasted-bytes' || rule === 'max-size') parseSize(v);
    else parseRatio(rule, v);
  }
  return cfg;
}

export interface GateInput {
  efficiency: number;
  wastedBytes: number;
  userWastedPercent: number;
  sizeBytes: number;
}

export function evaluateGate(a: GateInput, cfg: GateConfig): GateResult {
  const rules: RuleResult[] = [];
  for (const rule of RULES) {
    const threshold = cfg[rule].trim();
    if (threshold === 'disabled') {
      rules.push({ rule, status: 'skip', threshold, actual: null });
      continue;
    }
    let fail: string | undefined;
    let actual: number;
    switch (rule) {
      case 'lowest-efficiency': {
        const t = parseRatio(rule, threshold);
        actual = a.efficiency;
        if (t > actual) fail = `image efficiency is too low (efficiency=${actual} < threshold=${t})`;
        break;
      }
      case 'highest-wasted-bytes': {
        const t = parseSize(threshold);
        actual = a.wastedBytes;
        if (actual > t) fail = `too many bytes wasted (wasted-bytes=${actual} > threshold=${t})`;
        break;
      }
      case 'highest-user-wasted-percent': {
        const t = parseRatio(rule, threshold);
        actual = a.userWastedPercent;
        if (t < actual) fail = `too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=${actual} > threshold=${t})`;
        break;
      }
      case 'max-size': {
        const t = parseSize(threshold);
        actual = a.sizeBytes;
        if (actual > t) fail = `image is too big (size=${actual} > threshold=${t})`;
        break;
      }
    }
    rules.push({ rule, status: fail ? 'fail' : 'pass', threshold, actual: Number.isFinite(actual) ? actual : null, ...(fail ? { message: fail } : {}) });
  }
  return { pass: rules.every((r) => r.status !== 'fail'), rules };
}
