// The default output tag, as DockerSlim users expect: "myapp:latest" → "myapp.slim:latest".

export function defaultSlimTag(ref: string): string {
  const id = /^(?:sha256:)?([0-9a-f]{12,64})$/.exec(ref);
  if (id) return `slimts-${id[1]!.slice(0, 12)}.slim:latest`; // an image id has no name to extend
  const digestAt = ref.indexOf('@');
  const noDigest = digestAt >= 0 ? ref.slice(0, digestAt) : ref;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  // a colon after the last slash is a tag; before it, a registry port
  const hasTag = colon > slash;
  const name = hasTag ? noDigest.slice(0, colon) : noDigest;
  const tag = hasTag ? noDigest.slice(colon + 1) : 'latest';
  return `${name}.slim:${tag}`;
}
