// The new image's config: the base's (or empty), with the flags applied the way the matching
// Dockerfile instructions would apply them.
import type { ContainerConfig, ImageConfig, Platform } from '../image/types.js';
import { DEFAULT_PATH } from '../util/paths.js';

export interface ConfigInput {
  base?: ImageConfig;
  platform: Platform;
  user?: string;
  env: Array<[string, string]>;
  labels: Array<[string, string]>;
  exposed: string[];
  workdir?: string;
  entrypoint?: string[];
  cmd?: string[];
  /** Host PATH dirs "#!/usr/bin/env" needs (appended to PATH). */
  binPath: string[];
  /** Library dirs the loader would not search by itself (appended to LD_LIBRARY_PATH). */
  libraryPath: string[];
}

export function imageConfig(k: ConfigInput): ImageConfig {
  const cc: ContainerConfig = structuredClone(k.base?.config ?? {});
  if (k.user !== undefined) cc.User = k.user;
  const env = new Map<string, string>();
  for (const e of cc.Env ?? []) {
    const i = e.indexOf('=');
    env.set(i < 0 ? e : e.slice(0, i), i < 0 ? '' : e.slice(i + 1));
  }
  if (k.binPath.length) env.set('PATH', [env.get('PATH') ?? DEFAULT_PATH, ...k.binPath].join(':'));
  if (k.libraryPath.length) env.set('LD_LIBRARY_PATH', [...(env.get('LD_LIBRARY_PATH')?.split(':') ?? []), ...k.libraryPath].filter(Boolean).join(':'));
  for (const [key, v] of k.env) env.set(key, v);
  if (env.size) cc.Env = [...env].map(([key, v]) => `${key}=${v}`);
  if (k.entrypoint) {
    cc.Entrypoint = k.entrypoint;
    // As in a Dockerfile, a new ENTRYPOINT drops the CMD inherited from the base.
    if (k.base) cc.Cmd = null;
  }
  if (k.cmd) cc.Cmd = k.cmd;
  if (k.workdir) cc.WorkingDir = k.workdir;
  if (k.exposed.length) cc.ExposedPorts = { ...(cc.ExposedPorts ?? {}), ...Object.fromEntries(k.exposed.map((p) => [p, {}])) };
  if (k.labels.length) cc.Labels = { ...(cc.Labels ?? {}), ...Object.fromEntries(k.labels) };
  return {
    ...(k.base ? withoutLayers(k.base) : {}),
    architecture: k.platform.architecture,
    os: k.platform.os,
    ...(k.platform.variant ? { variant: k.platform.variant } : {}),
    config: cc,
    rootfs: { type: 'layers', diff_ids: [] },
  };
}

/** A base config without what the writer recomputes for the new image. */
function withoutLayers(cfg: ImageConfig): Partial<ImageConfig> {
  const { rootfs: _r, history: _h, created: _c, config: _cc, ...rest } = cfg;
  return rest;
}
