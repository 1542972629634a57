// Where podman's Docker API (4.3) answers otherwise than dockerd, what the engine code needs
// to know: whether the engine is podman, and what its own API (libpod, on the same socket)
// holds that the Docker one leaves out.
import type Docker from 'dockerode';

/** Podman's own API, at the oldest version podman 4 and later serve (dockerd: 404). */
const LIBPOD = '/v4.0.0/libpod';

function get(d: Docker, path: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    d.modem.dial(
      { path, method: 'GET', statusCodes: { 200: true, 404: 'not found', 500: 'server error' } },
      (err: unknown, data: unknown) => (err ? reject(err) : resolve(data)),
    );
  });
}

const engines = new WeakMap<Docker, Promise<boolean>>();

/** True when the engine is podman (asked once per client: its libpod ping answers). */
export function isPodman(d: Docker): Promise<boolean> {
  let p = engines.get(d);
  if (!p) {
    p = get(d, `${LIBPOD}/_ping`).then(() => true, (err: { statusCode?: number }) => (err?.statusCode === 404 ? false : Promise.reject(err)));
    engines.set(d, p);
    p.catch(() => engines.delete(d));
  }
  return p;
}

/** An image's HEALTHCHECK as podman's own inspect gives it (its Docker API's leaves it out). */
export async function podmanHealthcheck(d: Docker, id: string): Promise<Docker.HealthConfig | undefined> {
  const info = (await get(d, `${LIBPOD}/images/${encodeURIComponent(id)}/json`)) as { Healthcheck?: Docker.HealthConfig | null } | null;
  return info?.Healthcheck ?? undefined;
}
