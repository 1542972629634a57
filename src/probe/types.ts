// What probing a running container does and what it found.

/** One explicit HTTP request (from --http-probe-cmd or --http-probe-file). */
export interface HttpProbeSpec {
  method: string;
  path: string;
  /** Container port; default: every exposed TCP port. */
  port?: number;
  body?: string;
  headers?: Record<string, string>;
}

export interface ProbeOptions {
  /** Seconds to wait for each port to accept connections (--probe-wait). Default 60. */
  probeWait?: number;
  /** Skip sniffing, GET /, discovery and crawling (ports still must accept connections). */
  noHttpProbe?: boolean;
  /** Crawl depth from "/" (--crawl-depth). Default 2. */
  crawlDepth?: number;
  /** Max pages crawled per port (--crawl-max). Default 20. */
  crawlMax?: number;
  /** Extra HTTP requests. */
  http?: HttpProbeSpec[];
  /** API descriptions to call besides those found at the usual paths (--http-probe-apispec). */
  apiSpecs?: ApiSpecSource[];
  /** Also call POST/PUT/PATCH/DELETE operations of API descriptions (--http-probe-unsafe). */
  unsafe?: boolean;
  /** HTTP requests in flight at once per run (--probe-concurrency). Default 4. */
  concurrency?: number;
  /** Commands run inside the container (a string runs under /bin/sh -c). */
  exec?: Array<string | string[]>;
  /** Run the image's HEALTHCHECK once explicitly (default true when it has one). */
  healthcheck?: boolean;
  /** A program run on the host with SLIMTS_TARGET_* env. */
  script?: string;
  /** Seconds a single probe may take. Default 10 (exec and script: 60). */
  requestTimeout?: number;
  /**
   * Replay these exact requests instead of discovering them (the verifier passes the
   * original run's probes so the slim image answers the same questions).
   */
  replay?: ProbeResult[];
}

/** An OpenAPI/Swagger document: fetched from the container, or already read from a file. */
export type ApiSpecSource =
  | { kind: 'url'; path: string; port?: number }
  | { kind: 'doc'; source: string; doc: unknown };

/**
 * tcp: a port accepted connections (and what it speaks); http: GET / and explicit requests;
 * discover: a well-known description (robots.txt, sitemap.xml, OpenAPI); crawl: a linked or
 * listed page; api: an operation of an API description.
 */
export type ProbeKind = 'tcp' | 'http' | 'discover' | 'crawl' | 'api' | 'exec' | 'healthcheck' | 'script';

/** What a port speaks: other = a banner, a reply that is not HTTP, or a close. */
export type Protocol = 'http' | 'https' | 'other' | 'unknown';

/** One step of finding out what a port speaks, timed whether it worked or not. */
export interface SniffAttempt {
  step: 'wait' | 'banner' | 'http' | 'tls';
  ok: boolean;
  ms: number;
  /** What came back: the first bytes of a banner or reply, "closed", an error. */
  detail?: string;
}

export interface ProbeResult {
  kind: ProbeKind;
  /** Stable key: "tcp:80", "GET http://:80/a.html", "exec:ls /", "healthcheck", "script:x.sh". */
  target: string;
  ok: boolean;
  /** HTTP status, or exit code for exec/healthcheck/script. */
  status?: number;
  bytes?: number;
  /** sha256 hex of the body (http) or stdout (exec). */
  bodyHash?: string;
  /** Response looked like a static file (Last-Modified present): its body must not change. */
  static?: boolean;
  error?: string;
  ms: number;
  /** tcp: what the port speaks, and every attempt that found it out. */
  protocol?: Protocol;
  attempts?: SniffAttempt[];
  /** What was sent, so the verifier can replay it exactly. */
  request?: ProbeRequest;
}

export type ProbeRequest =
  | { kind: 'http'; port: number; scheme: 'http' | 'https'; method: string; path: string; body?: string; headers?: Record<string, string> }
  | { kind: 'tcp'; port: number }
  | { kind: 'exec' | 'healthcheck'; cmd: string[] }
  | { kind: 'script'; path: string };

/** A published port as seen from this process. */
export interface PortTarget {
  containerPort: number;
  host: string;
  hostPort: number;
  /**
   * The container's own address for this port, when the engine runs on this host (its bridge
   * is routable from here). No proxy stands in between, so a connection it accepts is the app's.
   */
  direct?: { host: string; port: number };
  /** Set once probing chose `direct`: an accepted connection needs no settling. */
  proxied?: boolean;
}

/** How probes reach into the container; the controller supplies it. */
export interface ProbeContext {
  ports: PortTarget[];
  /** Runs argv inside the container; the traced run wraps it in the sensor. */
  exec(cmd: string[], timeoutMs: number): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** The image's health test as argv (CMD-SHELL already turned into /bin/sh -c), if any. */
  healthcheck?: string[];
  /** Rejects or returns false once the container is gone, so probes stop waiting. */
  alive(): Promise<boolean>;
  signal?: AbortSignal;
  /** When the container started (ms since the epoch): files modified later are not static. */
  startedAt?: number;
  onResult?: (r: ProbeResult) => void;
}
