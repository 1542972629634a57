// Types of engine-proxy.mjs (plain JS, shared with the build bench).
export interface EngineProxy {
  /** DOCKER_HOST that reaches the engine through the proxy. */
  host: string;
  /** Bytes the engine sent back so far, and the names of the containers created through it. */
  stats(): Promise<{ bytes: number; names: string[] }>;
  count(): Promise<number>;
  close(): Promise<unknown>;
}
export function engineSocket(): string;
export function startEngineProxy(listen: string, upstream?: string): Promise<EngineProxy>;
