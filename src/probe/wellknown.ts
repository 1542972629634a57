// What a site says about itself at well-known paths: robots.txt and sitemap.xml, read into
// paths to crawl. Pure text parsing.

/** Where OpenAPI/Swagger documents usually are (FastAPI, springdoc, swagger-ui, ASP.NET, ...). */
export const API_DOC_PATHS = [
  '/openapi.json',
  '/swagger.json',
  '/v3/api-docs',
  '/v2/api-docs',
  '/api-docs',
  '/swagger/v1/swagger.json',
  '/api/openapi.json',
  '/api/swagger.json',
];

export interface Robots {
  /** Allow/Disallow paths without wildcards, in file order. */
  paths: string[];
  /** Sitemap: lines. */
  sitemaps: string[];
}

/** robots.txt: every Allow/Disallow path (a user wants those served too) and Sitemap URL. */
export function parseRobots(text: string): Robots {
  const paths: string[] = [];
  const sitemaps: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^(allow|disallow|sitemap)\s*:\s*(\S+)/i.exec(line);
    if (!m) continue;
    const value = m[2]!;
    if (m[1]!.toLowerCase() === 'sitemap') sitemaps.push(value);
    // "/private/*.pdf" and "/x$" are patterns, not paths: keep the literal part before them
    // ("/" itself is probed anyway)
    else if (value.startsWith('/')) {
      const literal = value.replace(/[*$].*$/, '');
      if (literal !== '/' && !paths.includes(literal)) paths.push(literal);
    }
  }
  return { paths, sitemaps };
}

export interface Sitemap {
  /** <url><loc> pages. */
  pages: string[];
  /** <sitemap><loc> of a sitemap index. */
  sitemaps: string[];
}

/** sitemap.xml (urlset or sitemapindex): the <loc> URLs, entities decoded. */
export function parseSitemap(xml: string): Sitemap {
  const pages: string[] = [];
  const sitemaps: string[] = [];
  const isIndex = /<sitemapindex[\s>]/i.test(xml);
  for (const m of xml.matchAll(/<loc>\s*(?:<!\[CDATA\[)?([^<\]]+?)(?:\]\]>)?\s*<\/loc>/gi)) {
    const url = m[1]!.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'");
    (isIndex ? sitemaps : pages).push(url);
  }
  return { pages, sitemaps };
}

/**
 * A URL from robots.txt or a sitemap as a path on the probed port. Sites list their public name
 * ("https://example.com/a"), not the loopback address the probe uses, so the host is ignored;
 * only the path and query count.
 */
export function pathOf(url: string): string | undefined {
  try {
    const u = new URL(url, 'http://probe.invalid');
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    return u.pathname + u.search;
  } catch {
    return undefined;
  }
}
