// NAME[:TAG] parsing after the distribution reference grammar, so names are rejected here
// with a clear message instead of by the engine or registry later.
import { UserError } from '../util/errors.js';

export interface RefName {
  /** Registry host[:port]; "docker.io" when the name has none. */
  domain: string;
  /** Repository path inside the registry ("library/nginx" for a bare "nginx" on docker.io). */
  path: string;
  tag: string;
  /** The name as the user wrote it, with the tag made explicit: "myapp:latest". */
  familiar: string;
  /** Fully qualified: "docker.io/library/myapp:latest". */
  full: string;
  /** Whether the input named a registry host. */
  hasDomain: boolean;
}

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_RE = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?$`);
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;

function bad(input: string, why: string): never {
  throw new UserError(`invalid image name "${input}": ${why}`);
}

/** Parses and normalises NAME[:TAG] (default tag "latest"). Digests are not accepted. */
export function parseRefName(input: string): RefName {
  const s = input.trim();
  if (!s) bad(input, 'empty');
  if (s.includes('@')) bad(input, 'a digest cannot be an output name; use NAME[:TAG]');
  const slash = s.lastIndexOf('/');
  const colon = s.lastIndexOf(':');
  let name = s;
  let tag = 'latest';
  if (colon > slash) {
    name = s.slice(0, colon);
    tag = s.slice(colon + 1);
    if (!TAG_RE.test(tag)) bad(input, `bad tag "${tag}" (letters, digits, _ . -, at most 128, not starting with . or -)`);
  }
  const parts = name.split('/');
  let domain = 'docker.io';
  let hasDomain = false;
  // Same rule as the engine: a first component with "." or ":" or "localhost" is a registry host.
  if (parts.length > 1 && (/[.:]/.test(parts[0]!) || parts[0] === 'localhost' || parts[0] !== parts[0]!.toLowerCase())) {
    domain = parts.shift()!;
    hasDomain = true;
    if (!DOMAIN_RE.test(domain)) bad(input, `bad registry host "${domain}"`);
  }
  for (const p of parts) {
    if (p !== p.toLowerCase()) bad(input, 'repository name must be lowercase');
    if (!PATH_COMPONENT_RE.test(p)) bad(input, `bad path component "${p}" (lowercase letters, digits, separators . _ __ -)`);
  }
  if (name.length > 255) bad(input, 'name longer than 255 characters');
  let path = parts.join('/');
  if (domain === 'docker.io' && parts.length === 1) path = `library/${path}`;
  return {
    domain,
    path,
    tag,
    familiar: `${name}:${tag}`,
    full: `${domain}/${path}:${tag}`,
    hasDomain,
  };
}

/** "name" → "name:latest"; throws UserError for a bad name. */
export function normaliseRefName(input: string): string {
  return parseRefName(input).familiar;
}
