// The one place that talks to the Docker engine API. Honours DOCKER_HOST (docker-modem reads
// it), and nothing here bind-mounts host paths, so a remote engine or podman's API works.
import Docker from 'dockerode';
import { oneLine, UserError } from '../util/errors.js';

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

/** HTTP status of a docker-modem error, if any. */
export function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number })?.statusCode;
}

