// A container's stdio as one hijacked connection, the same on dockerd and podman's API.
// - The request has no body (Content-Length: 0). dockerode sends its options as a JSON body,
//   which dockerd drops but podman passes on to the container's stdin; a chunked empty body
//   reaches it too, as its "0\r\n\r\n" end mark. A reader there would take either for input.
// - A refused attach releases its connection (it would otherwise hold this process open).
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';

export interface AttachStdio {
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
}

/**
 * Attaches to `container` (created or running). Writes to the stream reach its stdin; ending
 * the stream closes it. What it reads is the multiplexed output (no TTY).
 */
export async function attachStdio(container: Docker.Container, want: AttachStdio): Promise<Duplex> {
  const abort = new AbortController();
  const dial = {
    path: `/containers/${encodeURIComponent(container.id)}/attach?`,
    method: 'POST',
    options: { stream: true, stdin: !!want.stdin, stdout: !!want.stdout, stderr: !!want.stderr },
    isStream: true,
    hijack: true,
    // the request is ended at once (no stdin body follows it): the upgraded socket carries stdin
    openStdin: false,
    // an empty Buffer, not a string: docker-modem then sends Content-Length: 0 and no body
    file: Buffer.alloc(0),
    abortSignal: abort.signal,
    statusCodes: { 101: true, 200: true, 400: 'bad parameter', 404: 'no such container', 409: 'conflict', 500: 'server error' },
  };
  try {
    return await new Promise<Duplex>((resolve, reject) => {
      container.modem.dial(dial, (err: unknown, stream: unknown) => (err ? reject(err) : resolve(stream as Duplex)));
    });
  } catch (err) {
    abort.abort();
    throw err;
  }
}
