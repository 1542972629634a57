// Workaround: dockerode's infoArchive (HEAD) resolves with the response stream, and an
// unconsumed one keeps its engine socket open for minutes, so the CLI would not exit (the
// controller's pathExists() uses it). Destroys such sockets once the build is over.
// Remove when src/run/archive.ts destroys the response it gets.
import { Socket } from 'node:net';

export function releaseHeadSockets(): void {
  const handles = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles?.() ?? [];
  for (const h of handles) {
    const msg = (h as { _httpMessage?: { method?: string } })._httpMessage;
    if (h instanceof Socket && msg?.method === 'HEAD') h.destroy();
  }
}
