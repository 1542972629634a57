export type { ApiSpecSource, HttpProbeSpec, PortTarget, ProbeContext, ProbeKind, ProbeOptions, ProbeRequest, ProbeResult, Protocol, SniffAttempt } from './types.js';
export { runProbes, scriptEnv, TargetGoneError } from './run.js';
export { waitForPort, tryConnect } from './tcp.js';
export { sameOriginLinks } from './links.js';
export { httpRequest } from './http.js';
export { sniffPort } from './sniff.js';
export { apiOperations, apiVersion } from './openapi.js';
export { parseRobots, parseSitemap } from './wellknown.js';
