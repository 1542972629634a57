// Where an instrumented image keeps the sensor and writes observations (the format:
// src/slim/OBSERVATIONS.md).

/** The sensor in the instrumented image. */
export const SENSOR_DEST = '/.slimts-observe/slimts-sensor';
/** Beside it, the library the sensor preloads into the app in notify mode (sensors/preload). */
export const PRELOAD_DEST = '/.slimts-observe/slimts-preload.so';
/** The default observations dir (`SLIMTS_OBSERVATIONS` at run time overrides it). */
export const OBSERVATIONS_DIR = '/var/lib/slimts/observations';
/** The default and largest bound of one observation file (the sensor's own cap). */
export const OBSERVATION_MAX_BYTES = 256 * 1024 * 1024;
