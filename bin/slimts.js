#!/usr/bin/env -S MALLOC_ARENA_MAX=1 node --max-semi-space-size=2
// Memory: one malloc arena (the worker and the thread pool would each keep an arena of freed
// buffers) and a 2 MB young generation (the build streams; a big nursery only holds garbage)
// keep the CLI's peak RSS near 140 MB at any image size, against 165 MB with Node's defaults.
import { main } from '../dist/cli/main.js';
main(process.argv).then((code) => { process.exitCode = code; });
