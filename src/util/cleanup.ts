// Process-wide cleanup registry: whatever creates something outside this process (containers,
// temp dirs) registers its removal here, so Ctrl-C, SIGTERM or a hang-up (SIGHUP: a closed
// terminal, a dropped SSH session) mid-run leaves nothing behind. Against SIGKILL see
// src/engine/reaper.ts.

type CleanupFn = () => unknown | Promise<unknown>;

const pending = new Set<CleanupFn>();
let installed = false;
let running: Promise<void> | undefined;
const interrupt = new AbortController();

/**
 * Aborted when SIGINT/SIGTERM/SIGHUP arrived: long operations stop, and must not settle with an error
 * that would end the process before the cleanups did (see parkIfInterrupted).
 */
export const interruptSignal: AbortSignal = interrupt.signal;

/** After an interrupt, never settles: the signal handler exits once cleanups are done. */
export async function parkIfInterrupted(): Promise<void> {
  if (interrupt.signal.aborted) await new Promise<never>(() => {});
}

/** Registers `fn` to run on runCleanups() or on SIGINT/SIGTERM/SIGHUP. Returns an unregister function. */
export function onCleanup(fn: CleanupFn): () => void {
  installSignalHandlers();
  pending.add(fn);
  return () => {
    pending.delete(fn);
  };
}

/** Runs every registered cleanup (newest first, errors swallowed) and empties the registry. */
function runCleanups(): Promise<void> {
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

/**
 * Once the reader of stdout or stderr is gone (`slimts explain | head`), the process ends as a
 * SIGPIPE would end it (exit 141), but only after the cleanups ran: Node ignores SIGPIPE, so
 * without this a write to the closed pipe throws EPIPE with a stack trace.
 */
export function endWhenOutputCloses(): void {
  const closed = (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    stop('SIGPIPE', 141, false);
  };
  process.stdout.on('error', closed);
  process.stderr.on('error', closed);
}

let stopping = false;

/** Aborts the long operations, runs the cleanups, exits with `code`. */
function stop(reason: string, code: number, say: boolean): void {
  if (stopping) return;
  stopping = true;
  // after a hang-up the terminal may be gone: a failed write must not end us before cleanup
  process.stderr.on('error', () => {});
  if (say) {
    try {
      process.stderr.write(`slimts: ${reason}, cleaning up...\n`);
    } catch {
      /* no terminal */
    }
  }
  interrupt.abort(new Error(`interrupted by ${reason}`));
  void runCleanups().finally(() => process.exit(code));
}

function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  const handle = (signal: NodeJS.Signals, code: number) => {
    let count = 0;
    process.on(signal, () => {
      // A second signal means "stop waiting": exit even if a cleanup hangs.
      if (++count > 1) process.exit(code);
      stop(signal, code, true);
    });
  };
  handle('SIGINT', 130);
  handle('SIGTERM', 143);
  handle('SIGHUP', 129);
}
