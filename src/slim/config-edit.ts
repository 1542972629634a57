// --new-* / --remove-* edits of the output image's config. Pure: the original config object
// is never changed; untouched fields (known or unknown) stay as they were, in their order.
import type { ContainerConfig, ImageConfig } from '../image/types.js';
import { parseExpose, parseKeyValue } from '../util/config-values.js';

export interface ConfigEdits {
  entrypoint?: string[];
  cmd?: string[];
  /** KEY=VALUE; replaces an existing KEY, else appended. */
  env?: string[];
  /** KEY=VALUE; a bare KEY sets "". */
  labels?: string[];
  /** "80", "80/tcp", "53/udp". */
  expose?: string[];
  workdir?: string;
  removeEnv?: string[];
  removeLabels?: string[];
  removeExpose?: string[];
  removeVolumes?: string[];
  removeHealthcheck?: boolean;
}

export function hasEdits(e: ConfigEdits): boolean {
  return Object.values(e).some((v) => (Array.isArray(v) ? v.length > 0 : v !== undefined && v !== false));
}

export function editConfig(config: ImageConfig, e: ConfigEdits): ImageConfig {
  if (!hasEdits(e)) return config;
  const c: ContainerConfig = { ...(config.config ?? {}) };
  if (e.entrypoint) {
    c.Entrypoint = e.entrypoint;
    // as docker does for ENTRYPOINT in a Dockerfile: a new entrypoint resets an inherited CMD
    if (!e.cmd) c.Cmd = null;
  }
  if (e.cmd) c.Cmd = e.cmd;
  if (e.workdir !== undefined) c.WorkingDir = e.workdir;
  if (e.env?.length || e.removeEnv?.length) {
    let env = [...(c.Env ?? [])];
    const drop = new Set(e.removeEnv ?? []);
    env = env.filter((kv) => !drop.has(kv.split('=')[0]!));
    for (const kv of e.env ?? []) {
      const [k] = parseKeyValue(kv, '--new-env', { bare: true });
      const i = env.findIndex((x) => x.split('=')[0] === k);
      if (i >= 0) env[i] = kv.includes('=') ? kv : `${k}=`;
      else env.push(kv.includes('=') ? kv : `${k}=`);
    }
    c.Env = env;
  }
  if (e.labels?.length || e.removeLabels?.length) {
    const labels: Record<string, string> = { ...(c.Labels ?? {}) };
    for (const k of e.removeLabels ?? []) delete labels[k];
    for (const kv of e.labels ?? []) {
      const [k, v] = parseKeyValue(kv, '--new-label', { bare: true });
      labels[k] = v;
    }
    c.Labels = Object.keys(labels).length ? labels : null;
  }
  if (e.expose?.length || e.removeExpose?.length) {
    const ports: Record<string, object> = { ...(c.ExposedPorts ?? {}) };
    for (const p of e.removeExpose ?? []) delete ports[parseExpose(p, '--remove-expose')];
    for (const p of e.expose ?? []) ports[parseExpose(p, '--new-expose')] = {};
    if (Object.keys(ports).length) c.ExposedPorts = ports;
    else delete c.ExposedPorts;
  }
  if (e.removeVolumes?.length) {
    const vols: Record<string, object> = { ...(c.Volumes ?? {}) };
    for (const v of e.removeVolumes) delete vols[v];
    if (Object.keys(vols).length) c.Volumes = vols;
    else delete c.Volumes;
  }
  if (e.removeHealthcheck) delete c.Healthcheck;
  return { ...config, config: c };
}
