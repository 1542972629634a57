// A bench's cleanup (the images, containers and temp dirs it made) runs however the bench ends:
// normally, on Ctrl-C, SIGTERM or a hang-up, and when its output pipe closes (`| head`), where
// Node would otherwise die of EPIPE before a `finally` runs. `cleanup` must be synchronous
// (spawnSync, rmSync) and may run once only; the returned function runs it.
export function onEnd(cleanup) {
  let done = false;
  const run = () => {
    if (done) return;
    done = true;
    try {
      cleanup();
    } catch {
      /* best effort: the bench is ending */
    }
  };
  const codes = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
  for (const [sig, code] of Object.entries(codes)) process.on(sig, () => { run(); process.exit(code); });
  for (const s of [process.stdout, process.stderr]) s.on('error', () => { run(); process.exit(1); });
  process.on('exit', run);
  return run;
}
