// A CycloneDX 1.5 JSON SBOM of the slim image, from its trimmed inventory: one component per
// package that remains, with a purl in its distribution's form and how many of its files were kept.
import { createHash } from 'node:crypto';
import type { KeptPackage, TrimmedInventory } from './types.js';

export const CYCLONEDX_MEDIA_TYPE = 'application/vnd.cyclonedx+json';

export interface SbomSubject {
  /** How the slim image is named (tag, registry ref, path). */
  name: string;
  /** Its manifest digest, when known (a push). */
  digest?: string;
  /** The original it was made from. */
  source?: string;
  /** A fixed time (the original's `created`), so the same image gives the same SBOM. */
  timestamp?: string;
  toolVersion?: string;
}

/** `pkg:deb/debian/openssl@3.0.15-1~deb12u1?arch=amd64&distro=debian-12`; apk: `pkg:apk/alpine/...`. */
export function purlOf(p: Pick<KeptPackage, 'db' | 'name' | 'version' | 'architecture'>, distro?: TrimmedInventory['distro']): string {
  const ns = distro?.id ?? (p.db === 'apk' ? 'alpine' : 'debian');
  const q: string[] = [];
  if (p.architecture) q.push(`arch=${encodeURIComponent(p.architecture)}`);
  if (distro?.versionId) q.push(`distro=${encodeURIComponent(`${distro.id}-${distro.versionId}`)}`);
  const type = p.db === 'apk' ? 'apk' : 'deb';
  return `pkg:${type}/${encodeURIComponent(ns)}/${encodeURIComponent(p.name)}@${encodeURIComponent(p.version)}${q.length ? `?${q.join('&')}` : ''}`;
}

/** A UUID made from the content (RFC 4122 layout, version 5 style), so equal SBOMs get equal serial numbers. */
function contentUuid(text: string): string {
  const h = createHash('sha256').update(text).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

export function cyclonedx(inv: TrimmedInventory, subject: SbomSubject): Record<string, unknown> {
  const components = [...inv.kept]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((p) => {
      const purl = purlOf(p, inv.distro);
      const props = [
        { name: 'slimts:files:kept', value: String(p.filesKept) },
        { name: 'slimts:files:original', value: String(p.filesBefore) },
        { name: 'slimts:package:db', value: p.db },
      ];
      if (!p.filesKnown) props.push({ name: 'slimts:files:unknown', value: 'true' });
      if (p.source) props.push({ name: 'slimts:package:source', value: p.source });
      return { 'bom-ref': purl, type: 'library', name: p.name, version: p.version, purl, properties: props };
    });
  const body = {
    metadata: {
      ...(subject.timestamp ? { timestamp: subject.timestamp } : {}),
      tools: { components: [{ type: 'application', name: 'slimts', ...(subject.toolVersion ? { version: subject.toolVersion } : {}) }] },
      component: {
        'bom-ref': 'slim-image', type: 'container', name: subject.name,
        ...(subject.digest ? { version: subject.digest } : {}),
        properties: [
          ...(subject.source ? [{ name: 'slimts:source', value: subject.source }] : []),
          ...(inv.distro ? [{ name: 'slimts:distro', value: `${inv.distro.id}${inv.distro.versionId ? `-${inv.distro.versionId}` : ''}` }] : []),
          { name: 'slimts:packages:original', value: String(inv.before) },
          { name: 'slimts:packages:kept', value: String(inv.kept.length) },
          { name: 'slimts:packages:removed', value: String(inv.removed.length) },
        ],
      },
    },
    components,
    dependencies: [{ ref: 'slim-image', dependsOn: components.map((c) => c['bom-ref']) }],
  };
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: `urn:uuid:${contentUuid(JSON.stringify(body))}`,
    version: 1,
    ...body,
  };
}
