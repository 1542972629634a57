// Everything an HTTP port says about itself, called once: the pages `/` links to, the paths in
// robots.txt and sitemap.xml, and every operation of its OpenAPI/Swagger document(s).
import type { HttpAnswer } from './http.js';
import { sha256 } from './http.js';
import { sameOriginLinks } from './links.js';
import { apiOperations, apiVersion } from './openapi.js';
import { mapLimit } from './pool.js';
import { httpProbe, httpReq, isSafe, urlOf, type HttpEnv, type HttpReq } from './send.js';
import { API_DOC_PATHS, parseRobots, parseSitemap, pathOf } from './wellknown.js';
import type { PortTarget, ProbeOptions, ProbeResult } from './types.js';

/** Descriptions are read up to this size (bounded like any container output). */
const DOC_MAX_BYTES = 4 << 20;
/** Sitemaps read per port, index entries included. */
const MAX_SITEMAPS = 5;

type Scheme = 'http' | 'https';

interface Fetched {
  result: ProbeResult;
  answer?: HttpAnswer;
}

/** Probes of one HTTP port after `GET /` answered, in the order they ran. */
export async function discoverPort(p: PortTarget, scheme: Scheme, root: HttpAnswer, opts: ProbeOptions, env: HttpEnv): Promise<ProbeResult[]> {
  const results: ProbeResult[] = [];
  const done = new Set<string>(['GET /']);
  const get = async (paths: string[], kind: 'discover' | 'crawl', tries: number, maxBytes?: number): Promise<Fetched[]> => {
    const fresh = paths.filter((x) => !done.has(`GET ${x}`));
    fresh.forEach((x) => done.add(`GET ${x}`));
    const got = await mapLimit(fresh, env.concurrency, (path) => httpProbe(p, httpReq(p, scheme, 'GET', path), kind, env, tries, maxBytes));
    results.push(...got.map((g) => g.result));
    return got;
  };

  // 1. what the site says about itself
  const userUrls = (opts.apiSpecs ?? []).flatMap((s) => (s.kind === 'url' && (s.port === undefined || s.port === p.containerPort) ? [s.path] : []));
  const [robotsAns, sitemapAns, ...docAns] = await get(['/robots.txt', '/sitemap.xml', ...userUrls, ...API_DOC_PATHS], 'discover', 2, DOC_MAX_BYTES);
  const robots = parseRobots(textOf(robotsAns));
  const sitemaps = [sitemapAns, ...(await get(robots.sitemaps.flatMap((u) => pathOf(u) ?? []).slice(0, MAX_SITEMAPS), 'discover', 2, DOC_MAX_BYTES))];
  const listed: string[] = [...robots.paths];
  for (let i = 0; i < sitemaps.length && i < MAX_SITEMAPS; i++) {
    const sm = parseSitemap(textOf(sitemaps[i]));
    listed.push(...sm.pages.flatMap((u) => pathOf(u) ?? []));
    const nested = sm.sitemaps.flatMap((u) => pathOf(u) ?? []).slice(0, MAX_SITEMAPS - sitemaps.length);
    sitemaps.push(...(await get(nested, 'discover', 2, DOC_MAX_BYTES)));
  }

  // 2. pages: linked from / (depth 1 like robots.txt and sitemap entries), then their links
  await crawl(p, scheme, root, listed, opts, get);

  // 3. API operations of every distinct description found (or given as a file)
  const docs = distinctDocs([
    ...docAns.map((f) => jsonOf(f)),
    ...(opts.apiSpecs ?? []).flatMap((s) => (s.kind === 'doc' ? [s.doc] : [])),
  ]);
  const ops = docs.flatMap((d) => apiOperations(d, { unsafe: opts.unsafe })).filter((op) => !done.has(`${op.method} ${op.path}`));
  const reqs = dedupe(ops.map((op) => httpReq(p, scheme, op.method, op.path, op)));
  results.push(...(await runInOrder(p, reqs, 'api', env)));
  return results;
}

async function crawl(
  p: PortTarget, scheme: Scheme, root: HttpAnswer, listed: string[], opts: ProbeOptions,
  get: (paths: string[], kind: 'crawl', tries: number) => Promise<Fetched[]>,
): Promise<void> {
  const depthMax = opts.crawlDepth ?? 2;
  let budget = opts.crawlMax ?? 20;
  const rootUrl = urlOf(p, scheme, '/');
  const seen = new Set<string>(['/']);
  let frontier: Array<{ url: string; answer: HttpAnswer }> = [{ url: rootUrl, answer: root }];
  let extra = listed;
  for (let depth = 1; depth <= depthMax && budget > 0; depth++) {
    const paths: string[] = [];
    for (const page of frontier) {
      if (!isHtml(page.answer)) continue;
      for (const link of sameOriginLinks(page.answer.body.toString('utf8'), page.url)) {
        const u = new URL(link);
        paths.push(u.pathname + u.search);
      }
    }
    paths.push(...extra);
    extra = [];
    const level = [...new Set(paths)].filter((x) => !seen.has(x)).slice(0, budget);
    level.forEach((x) => seen.add(x));
    budget -= level.length;
    const got = await get(level, 'crawl', 2);
    frontier = got.flatMap((g) => (g.answer ? [{ url: urlOf(p, scheme, (g.result.request as HttpReq).path), answer: g.answer }] : []));
    if (frontier.length === 0) break;
  }
}

/**
 * Safe requests run concurrently; an unsafe one waits for everything before it and runs alone,
 * so a POST that creates what a later GET reads keeps its order.
 */
export async function runInOrder(p: PortTarget, reqs: HttpReq[], kind: 'api' | 'http' | 'crawl' | 'discover', env: HttpEnv): Promise<ProbeResult[]> {
  const out: ProbeResult[] = [];
  for (let i = 0; i < reqs.length; ) {
    let j = i;
    while (j < reqs.length && isSafe(reqs[j]!.method)) j++;
    const batch = j > i ? reqs.slice(i, j) : [reqs[i]!];
    const got = await mapLimit(batch, env.concurrency, (r) => httpProbe(p, r, kind, env, kind === 'api' ? 2 : 4));
    out.push(...got.map((g) => g.result));
    i += batch.length;
  }
  return out;
}

function dedupe(reqs: HttpReq[]): HttpReq[] {
  const seen = new Set<string>();
  return reqs.filter((r) => {
    const k = `${r.method} ${r.path} ${r.body ?? ''}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function distinctDocs(docs: unknown[]): unknown[] {
  const seen = new Set<string>();
  return docs.filter((d) => {
    if (!apiVersion(d)) return false;
    const h = sha256(JSON.stringify(d));
    if (seen.has(h)) return false;
    seen.add(h);
    return true;
  });
}

function textOf(f: Fetched | undefined): string {
  const a = f?.answer;
  return a && a.status >= 200 && a.status < 300 ? a.body.toString('utf8') : '';
}

function jsonOf(f: Fetched | undefined): unknown {
  const t = textOf(f);
  if (!/^\s*\{/.test(t)) return undefined;
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
}

function isHtml(a: HttpAnswer): boolean {
  const ct = String(a.headers['content-type'] ?? '');
  return a.status < 400 && (/html/i.test(ct) || (!ct && /^\s*<(!doctype|html)/i.test(a.body.subarray(0, 200).toString())));
}
