// The one place that talks to the Docker engine API. Honours DOCKER_HOST (docker-modem reads
// it), and nothing here bind-mounts host paths, so a remote engine or podman's API works.
import Docker from 'dockerode';
import type { ContainerConfig, ImageConfig } from '../image/types.js';
import { oneLine, UserError } from '../util/errors.js';
import { inspectImageInfo } from './inspect.js';

let client: { host: string | undefined; docker: Docker } | undefined;

/** The shared dockerode client (DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH honoured). */
export function docker(): Docker {
  const host = process.env.DOCKER_HOST;
  if (!client || client.host !== host) client = { host, docker: new Docker() };
  return client.docker;
}

/** A printable name for the engine endpoint, for messages. */
export function engineEndpoint(): string {
  return process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
}

/**
 * The address under which ports published by the engine are reachable from here: loopback
 * for a unix socket, the engine's host for a tcp:// or ssh:// DOCKER_HOST ("localhost" as
 * 127.0.0.1, the address the engine publishes on for it).
 */
export function engineHostAddress(): string {
  const h = process.env.DOCKER_HOST;
  if (h && /^(tcp|ssh|https?):\/\//.test(h)) {
    try {
      const host = new URL(h.replace(/^tcp:/, 'http:')).hostname.replace(/^\[|\]$/g, '');
      if (host === 'localhost' || host === '::1') return '127.0.0.1';
      if (host) return host;
    } catch {
      /* fall through */
    }
  }
  return '127.0.0.1';
}

/**
 * The engine-side address to publish ports on: the engine's loopback address when it runs on
 * this machine (nothing else may reach the app), every address of the engine's host when it
 * runs elsewhere (we reach it through the name in DOCKER_HOST, whatever interface that is).
 */
export function publishAddress(): string {
  const a = engineHostAddress();
  return /^127\.\d+\.\d+\.\d+$/.test(a) ? a : '0.0.0.0';
}

/**
 * True when the engine may be on another machine: any DOCKER_HOST but this machine's default
 * loopback address. Then its containers' own addresses are not taken to be routable from here.
 */
export function engineIsRemote(): boolean {
  return engineHostAddress() !== '127.0.0.1';
}

/** Throws a one-line UserError unless the engine answers a ping. */
export async function engineReachable(): Promise<void> {
  try {
    await docker().ping();
  } catch {
    throw new UserError(`no Docker engine answers at ${engineEndpoint()} (start dockerd or run bin/ensure-engine)`);
  }
}

export interface InspectImageOptions {
  /** Pull the image when the engine does not have it. */
  pull?: boolean;
  onProgress?: (message: string) => void;
}

export interface InspectedImage {
  /** The engine's image id ("sha256:..."). */
  id: string;
  ref: string;
  config: ImageConfig;
}

/** Inspects `ref` in the engine (pulling it first if asked and missing). */
export async function inspectImage(ref: string, opts: InspectImageOptions = {}): Promise<InspectedImage> {
  await engineReachable();
  let info: Docker.ImageInspectInfo;
  try {
    info = await inspectImageInfo(docker(), ref);
  } catch (err) {
    if (statusOf(err) !== 404) throw err;
    if (!opts.pull) throw new UserError(`image "${ref}" not found; use --pull to pull it`);
    opts.onProgress?.(`pulling ${ref}`);
    await pullImage(ref);
    info = await inspectImageInfo(docker(), ref);
  }
  return { id: info.Id, ref, config: toImageConfig(info) };
}

/** Pulls `ref`, resolving when the pull finished; errors become UserErrors. */
export async function pullImage(ref: string): Promise<void> {
  const d = docker();
  try {
    const stream = await d.pull(ref);
    await new Promise<void>((resolve, reject) => {
      d.modem.followProgress(stream, (err: Error | null, events: Array<{ error?: string }>) => {
        const failed = events?.find((e) => e.error);
        if (err || failed) reject(err ?? new Error(failed?.error));
        else resolve();
      });
    });
  } catch (err) {
    throw new UserError(`could not pull "${ref}": ${oneLine(err)}`);
  }
}

/** The image config in OCI/docker config-file shape, from an engine inspect answer. */
export function toImageConfig(info: Docker.ImageInspectInfo): ImageConfig {
  const c = (info.Config ?? {}) as unknown as ContainerConfig;
  return {
    architecture: info.Architecture,
    os: info.Os,
    ...((info as unknown as { Variant?: string }).Variant ? { variant: (info as unknown as { Variant: string }).Variant } : {}),
    created: info.Created,
    config: c,
    rootfs: { type: 'layers', diff_ids: info.RootFS?.Layers ?? [] },
  };
}

/** HTTP status of a docker-modem error, if any. */
export function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number })?.statusCode;
}

