// Trace format support: parser, trace-set reader, access order, and the sensor's path.
import { fileURLToPath } from 'node:url';

export * from './parse.js';
export * from './access-order.js';
export * from './ranges.js';

/** The static sensor built by `make -C sensors` (relative to dist/trace or src/trace). */
export const SENSOR_PATH = fileURLToPath(new URL('../../sensors/build/slimts-sensor', import.meta.url));
