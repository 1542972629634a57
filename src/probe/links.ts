// Same-origin links of an HTML page (href/src attributes), for crawling.

const ATTR = /\b(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>`]+))/gi;

/** Absolute same-origin URLs (no fragment) linked from `html`, in document order, deduplicated. */
export function sameOriginLinks(html: string, pageUrl: string): string[] {
  const base = new URL(pageUrl);
  const baseTag = /<base\s[^>]*href\s*=\s*["']?([^"'\s>]+)/i.exec(html);
  const root = baseTag ? safeUrl(baseTag[1]!, base) ?? base : base;
  const seen = new Set<string>();
  for (const m of html.matchAll(ATTR)) {
    const raw = decodeEntities((m[1] ?? m[2] ?? m[3] ?? '').trim());
    if (!raw || raw.startsWith('#') || /^(?:javascript|mailto|data|tel):/i.test(raw)) continue;
    const u = safeUrl(raw, root);
    if (!u || u.origin !== base.origin) continue;
    u.hash = '';
    seen.add(u.href);
  }
  return [...seen];
}

function safeUrl(s: string, base: URL): URL | undefined {
  try {
    return new URL(s, base);
  } catch {
    return undefined;
  }
}

function decodeEntities(s: string): string {
  return s.replace(/&amp;/g, '&').replace(/&#x2f;/gi, '/').replace(/&quot;/g, '"').replace(/&#39;/g, "'");
}
