// The requests an OpenAPI 3 / Swagger 2 document describes, each with its parameters filled from
// the document's examples, defaults, enums or types, so every operation can be called once.
// Pure: document in, requests out.

export interface ApiOperation {
  method: string;
  /** Path with query string, below the document's base path. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

type Obj = Record<string, unknown>;

const SAFE = ['get', 'head'];
/** Unsafe methods in an order that creates before it changes and deletes last. */
const UNSAFE = ['post', 'put', 'patch', 'delete'];
/** A document lists at most this many operations worth calling (bounded like the crawl). */
const MAX_OPERATIONS = 100;
const MAX_DEPTH = 8;

/** "3.x" / "2.0" when `doc` is an OpenAPI/Swagger document with paths, else undefined. */
export function apiVersion(doc: unknown): '3' | '2' | undefined {
  if (!isObj(doc) || !isObj(doc.paths)) return undefined;
  if (typeof doc.openapi === 'string' && doc.openapi.startsWith('3.')) return '3';
  if (doc.swagger === '2.0') return '2';
  return undefined;
}

/**
 * GET and HEAD operations (and POST/PUT/PATCH/DELETE when `unsafe`), safe ones first, in
 * document order, at most MAX_OPERATIONS.
 */
export function apiOperations(doc: unknown, opts: { unsafe?: boolean; max?: number } = {}): ApiOperation[] {
  const version = apiVersion(doc);
  if (!version) return [];
  const d = doc as Obj;
  const base = basePath(d, version);
  const methods = opts.unsafe ? [...SAFE, ...UNSAFE] : SAFE;
  const out: ApiOperation[] = [];
  for (const method of methods) {
    for (const [template, rawItem] of Object.entries(d.paths as Obj)) {
      const item = deref(d, rawItem);
      if (!isObj(item) || !isObj(item[method])) continue;
      const op = item[method] as Obj;
      const params = mergeParams(d, asList(item.parameters), asList(op.parameters));
      out.push(operation(d, version, method, base, template, params, op));
      if (out.length >= (opts.max ?? MAX_OPERATIONS)) return out;
    }
  }
  return out;
}

function basePath(d: Obj, version: '3' | '2'): string {
  let p = '';
  if (version === '2') p = typeof d.basePath === 'string' ? d.basePath : '';
  else {
    const server = asList(d.servers)[0];
    if (isObj(server) && typeof server.url === 'string') {
      const vars = isObj(server.variables) ? server.variables : {};
      const url = server.url.replace(/\{([^}]+)\}/g, (_, k: string) => String((vars[k] as Obj | undefined)?.default ?? ''));
      try {
        p = new URL(url, 'http://x').pathname;
      } catch {
        p = '';
      }
    }
  }
  return p.replace(/\/+$/, '');
}

/** Operation parameters override path-item ones with the same name and location. */
function mergeParams(d: Obj, itemParams: unknown[], opParams: unknown[]): Obj[] {
  const byKey = new Map<string, Obj>();
  for (const raw of [...itemParams, ...opParams]) {
    const p = deref(d, raw);
    if (isObj(p) && typeof p.name === 'string' && typeof p.in === 'string') byKey.set(`${p.in}:${p.name}`, p);
  }
  return [...byKey.values()];
}

function operation(d: Obj, version: '3' | '2', method: string, base: string, template: string, params: Obj[], op: Obj): ApiOperation {
  let path = template;
  const query: string[] = [];
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  let body: unknown;
  let hasBody = false;
  for (const p of params) {
    const name = p.name as string;
    if (p.in === 'body') {
      body = sampleOf(d, p.schema, 0);
      hasBody = true;
      continue;
    }
    if (p.in === 'formData') continue;
    // optional query/header values only when the document suggests one
    const suggested = suggestion(d, p, version);
    if (p.in !== 'path' && !p.required && suggested === undefined) continue;
    const v = suggested !== undefined ? suggested : sampleOf(d, version === '3' ? p.schema : p, 0);
    if (p.in === 'path') path = path.split(`{${name}}`).join(encodeURIComponent(scalar(v)));
    else if (p.in === 'query') for (const x of Array.isArray(v) ? v : [v]) query.push(`${encodeURIComponent(name)}=${encodeURIComponent(scalar(x))}`);
    else if (p.in === 'header') headers[name] = scalar(v);
    else if (p.in === 'cookie') cookies.push(`${name}=${encodeURIComponent(scalar(v))}`);
  }
  if (cookies.length) headers.cookie = cookies.join('; ');
  if (version === '3' && !SAFE.includes(method)) {
    const rb = deref(d, op.requestBody);
    const media = isObj(rb) && isObj(rb.content) ? pickMedia(rb.content) : undefined;
    if (media) {
      body = media.example ?? firstExample(media.examples, d) ?? sampleOf(d, media.schema, 0);
      hasBody = true;
    }
  }
  const out: ApiOperation = { method: method.toUpperCase(), path: `${base}${path.startsWith('/') ? '' : '/'}${path}${query.length ? `?${query.join('&')}` : ''}` };
  if (hasBody && body !== undefined) {
    out.body = typeof body === 'string' ? body : JSON.stringify(body);
    headers['content-type'] = typeof body === 'string' ? 'text/plain' : 'application/json';
  }
  if (Object.keys(headers).length) out.headers = headers;
  return out;
}

function pickMedia(content: Obj): Obj | undefined {
  const json = Object.keys(content).find((k) => /json/i.test(k));
  const m = content[json ?? Object.keys(content)[0] ?? ''];
  return isObj(m) ? m : undefined;
}

/** The value the document itself offers for a parameter: example(s), default, first enum value. */
function suggestion(d: Obj, p: Obj, version: '3' | '2'): unknown {
  const schema = (version === '3' ? deref(d, p.schema) : p) as Obj | undefined;
  const fromExamples = firstExample(p.examples, d);
  const candidates = [p.example, fromExamples, schema?.example, p.default, schema?.default, asList(schema?.enum)[0]];
  if (version === '2' && isObj(p.items)) candidates.push((p.items as Obj).default, asList((p.items as Obj).enum)[0]);
  return candidates.find((c) => c !== undefined && c !== null);
}

function firstExample(examples: unknown, d: Obj): unknown {
  if (!isObj(examples)) return undefined;
  for (const e of Object.values(examples)) {
    const ex = deref(d, e);
    if (isObj(ex) && ex.value !== undefined) return ex.value;
  }
  return undefined;
}

/** A value matching a schema: its example/default/enum, else one made from its type. */
function sampleOf(d: Obj, rawSchema: unknown, depth: number): unknown {
  const s = deref(d, rawSchema);
  if (!isObj(s) || depth > MAX_DEPTH) return 'x';
  for (const v of [s.example, s.default, asList(s.enum)[0], s.const]) if (v !== undefined && v !== null) return v;
  for (const k of ['allOf', 'oneOf', 'anyOf']) {
    const list = asList(s[k]);
    if (list.length === 0) continue;
    if (k !== 'allOf') return sampleOf(d, list[0], depth + 1);
    return Object.assign({}, ...list.map((x) => sampleOf(d, x, depth + 1)).filter(isObj));
  }
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  switch (type ?? (isObj(s.properties) ? 'object' : isObj(s.items) ? 'array' : 'string')) {
    case 'integer':
    case 'number': {
      const min = typeof s.minimum === 'number' ? s.minimum + (s.exclusiveMinimum === true ? 1 : 0) : typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum + 1 : 1;
      return typeof s.maximum === 'number' && min > s.maximum ? s.maximum : min;
    }
    case 'boolean':
      return true;
    case 'array':
      return [sampleOf(d, s.items, depth + 1)];
    case 'object': {
      const o: Obj = {};
      for (const [k, v] of Object.entries(isObj(s.properties) ? s.properties : {})) o[k] = sampleOf(d, v, depth + 1);
      return o;
    }
    default:
      return stringFor(s);
  }
}

function stringFor(s: Obj): string {
  switch (s.format) {
    case 'uuid': return '00000000-0000-4000-8000-000000000000';
    case 'date': return '2024-01-01';
    case 'date-time': return '2024-01-01T00:00:00Z';
    case 'email': return 'user@example.com';
    case 'uri': case 'url': return 'http://example.com/';
    case 'ipv4': return '127.0.0.1';
    default: {
      const n = typeof s.minLength === 'number' ? Math.min(Math.max(s.minLength, 1), 64) : 1;
      return 'x'.repeat(n);
    }
  }
}

function scalar(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Follows local "$ref"s ("#/components/…", "#/definitions/…"); cycles end at MAX_DEPTH. */
function deref(d: Obj, v: unknown, depth = 0): unknown {
  if (!isObj(v) || typeof v.$ref !== 'string' || depth > MAX_DEPTH) return v;
  if (!v.$ref.startsWith('#/')) return undefined;
  let cur: unknown = d;
  for (const part of v.$ref.slice(2).split('/')) {
    const key = decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~');
    cur = isObj(cur) ? cur[key] : undefined;
  }
  return deref(d, cur, depth + 1);
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
