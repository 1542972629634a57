// Process-wide cleanup registry: whatever creates something outside this process (containers,
// temp dirs) registers its removal here, so Ctrl-C or SIGTERM mid-run leaves nothing behind.

type CleanupFn = () => unknown | Promise<unknown>;

const pending = new Set<CleanupFn>();
let installed = false;
let running: Promise<void> | undefined;
const interrupt = new AbortController();

/**
 * Aborted when SIGINT/SIGTERM arrived: long operations stop, and must not settle with an error
 * that would end the process before the cleanups did (see parkIfInterrupted).
 */
export const interruptSignal: AbortSignal = interrupt.signal;

/** After an interrupt, never settles: the signal handler exits once cleanups are done. */
export async function parkIfInterrupted(): Promise<void> {
  if (interrupt.signal.aborted) await new Promise<never>(() => {});
}

/** Registers `fn` to run on runCleanups() or on SIGINT/SIGTERM. Returns an unregister function. */
export function onCleanup(fn: CleanupFn): () => void {
  installSignalHandlers();
  pending.add(fn);
  return () => {
    pending.delete(fn);
  };
}

/** Runs every registered cleanup (newest first, errors swallowed) and empties the registry. */
export function runCleanups(): Promise<void> {
  if (running) return running;
  running = (async () => {
    while (pending.size > 0) {
      const fns = [...pending].reverse();
      pending.clear();
      await Promise.allSettled(fns.map(async (fn) => fn()));
    }
  })().finally(() => {
    running = undefined;
  });
  return running;
}

/** Number of cleanups still registered (for tests). */
export function pendingCleanups(): number {
  return pending.size;
}

function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  const handle = (signal: NodeJS.Signals, code: number) => {
    let count = 0;
    process.on(signal, () => {
      // A second signal means "stop waiting": exit even if a cleanup hangs.
      if (++count > 1) process.exit(code);
      process.stderr.write(`slimts: ${signal}, cleaning up...\n`);
      interrupt.abort(new Error(`interrupted by ${signal}`));
      void runCleanups().finally(() => process.exit(code));
    });
  };
  handle('SIGINT', 130);
  handle('SIGTERM', 143);
}
