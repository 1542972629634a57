// Reverse-engineers a Dockerfile from image history, completed from the config for the
// settings history does not show (images built by other tools often lack those lines).
import type { ImageConfig } from '../image/types.js';

const NOP = /^\/bin\/sh -c #\(nop\)\s*/;
const SHELL_C = /^\/bin\/sh -c\s+/;
// buildkit: `RUN |2 A=1 B=2 /bin/sh -c cmd` (the |N counts the build args that follow).
const BUILDKIT_ARGS = /^RUN \|(\d+) /;

function fromBuildkitRun(s: string): string {
  let rest = s;
  const m = BUILDKIT_ARGS.exec(rest);
  if (m) {
    rest = rest.slice(m[0].length);
    // Drop N `NAME=value` words; values have no unquoted spaces in buildkit's rendering.
    for (let i = 0; i < Number(m[1]); i++) rest = rest.replace(/^\S+\s+/, '');
  } else rest = rest.slice('RUN '.length);
  rest = rest.replace(SHELL_C, '');
  return `RUN ${rest}`;
}

/** One history `created_by` as a Dockerfile line, or undefined when it says nothing. */
export function instructionOf(createdBy: string | undefined): string | undefined {
  if (!createdBy) return undefined;
  let s = createdBy.trim();
  s = s.replace(/\s+# buildkit$/, '');
  if (NOP.test(s)) return fixExecForm(fixExpose(s.replace(NOP, '').trim()));
  if (SHELL_C.test(s)) return `RUN ${s.replace(SHELL_C, '')}`;
  if (s.startsWith('RUN ')) return fromBuildkitRun(s);
  return fixExecForm(fixExpose(s));
}

// The classic builder records exec form as `CMD ["sh" "-c" "x"]` (Go's %q list): add commas.
function fixExecForm(s: string): string {
  const m = /^(CMD|ENTRYPOINT|SHELL|VOLUME) \[(.*)\]$/.exec(s);
  if (!m || m[2].includes('",')) return s;
  const words = [...m[2].matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((w) => JSON.parse(`"${w[1]}"`) as string);
  return `${m[1]} ${JSON.stringify(words)}`;
}

// Old builders wrote `EXPOSE map[80/tcp:{}]` / `EXPOSE 80/tcp`: make it a valid line.
function fixExpose(s: string): string {
  const m = /^EXPOSE map\[(.*)\]$/.exec(s);
  if (!m) return s;
  const ports = [...m[1].matchAll(/([^\s:]+):\{\}/g)].map((x) => x[1]);
  return `EXPOSE ${ports.join(' ')}`;
}

const q = (s: string) => JSON.stringify(s);
const envQuote = (v: string) => (/^[\w./:@%+,-]*$/.test(v) && v !== '' ? v : q(v));

function keyword(line: string): string {
  return line.split(/\s+/, 1)[0].toUpperCase();
}

export function reverseDockerfile(config: ImageConfig): string[] {
  const lines: string[] = ['FROM scratch'];
  for (const h of config.history ?? []) {
    const i = instructionOf(h.created_by);
    if (i) lines.push(i);
  }
  const have = new Set(lines.map(keyword));
  const text = lines.join('\n');
  const c = config.config ?? {};
  const extra: string[] = [];
  // ENV and LABEL may be partly in history: add the keys history does not set.
  for (const kv of c.Env ?? []) {
    const eq = kv.indexOf('=');
    const k = eq < 0 ? kv : kv.slice(0, eq);
    if (!new RegExp(`^ENV .*\\b${k.replace(/[^\w]/g, '\\$&')}[= ]`, 'm').test(text)) {
      extra.push(`ENV ${k}=${envQuote(eq < 0 ? '' : kv.slice(eq + 1))}`);
    }
  }
  for (const [k, v] of Object.entries(c.Labels ?? {})) {
    if (!text.includes(`LABEL ${k}=`) && !text.includes(` ${k}=`)) extra.push(`LABEL ${q(k)}=${q(v)}`);
  }
  if (c.WorkingDir && !have.has('WORKDIR')) extra.push(`WORKDIR ${c.WorkingDir}`);
  if (c.User && !have.has('USER')) extra.push(`USER ${c.User}`);
  const ports = Object.keys(c.ExposedPorts ?? {});
  if (ports.length && !have.has('EXPOSE')) extra.push(`EXPOSE ${ports.join(' ')}`);
  const vols = Object.keys(c.Volumes ?? {});
  if (vols.length && !have.has('VOLUME')) extra.push(`VOLUME ${JSON.stringify(vols)}`);
  if (c.StopSignal && !have.has('STOPSIGNAL')) extra.push(`STOPSIGNAL ${c.StopSignal}`);
  const hc = c.Healthcheck;
  if (hc?.Test?.length && !have.has('HEALTHCHECK')) {
    if (hc.Test[0] === 'NONE') extra.push('HEALTHCHECK NONE');
    else {
      const flags: string[] = [];
      const dur = (ns: number) => `${ns / 1e9}s`;
      if (hc.Interval) flags.push(`--interval=${dur(hc.Interval)}`);
      if (hc.Timeout) flags.push(`--timeout=${dur(hc.Timeout)}`);
      if (hc.StartPeriod) flags.push(`--start-period=${dur(hc.StartPeriod)}`);
      if (hc.Retries) flags.push(`--retries=${hc.Retries}`);
      const cmd = hc.Test[0] === 'CMD-SHELL' ? hc.Test.slice(1).join(' ') : JSON.stringify(hc.Test.slice(1));
      extra.push(['HEALTHCHECK', ...flags, 'CMD', cmd].join(' '));
    }
  }
  if (c.Entrypoint?.length && !have.has('ENTRYPOINT')) extra.push(`ENTRYPOINT ${JSON.stringify(c.Entrypoint)}`);
  if (c.Cmd?.length && !have.has('CMD')) extra.push(`CMD ${JSON.stringify(c.Cmd)}`);
  return [...lines, ...extra];
}
