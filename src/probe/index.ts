export type { HttpProbeSpec, PortTarget, ProbeContext, ProbeKind, ProbeOptions, ProbeRequest, ProbeResult } from './types.js';
export { runProbes, scriptEnv, TargetGoneError } from './run.js';
export { parseHttpProbeCmd, readHttpProbeFile } from './spec.js';
export { waitForPort, tryConnect } from './tcp.js';
export { sameOriginLinks } from './links.js';
export { httpRequest } from './http.js';
