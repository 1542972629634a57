// dpkg's database (/var/lib/dpkg): status, info/PKG.list and PKG.md5sums, and distroless's
// status.d/. Read into packages with the files each owns, and rewritten to what a slim image keeps.
import { joinStanzas, parseStanzas, type Stanza } from './stanza.js';
import type { InstalledPackage } from './types.js';

export const DPKG_DIR = '/var/lib/dpkg';
export const DPKG_STATUS = `${DPKG_DIR}/status`;
export const DPKG_STATUS_D = `${DPKG_DIR}/status.d`;
export const DPKG_INFO = `${DPKG_DIR}/info`;
/** Small files of the admin dir `dpkg-query` reads besides status (info/format: without it, multi-arch lists are not found); kept as they are. */
export const DPKG_SMALL_FILES = ['arch', 'diversions', 'statoverride', 'info/format'].map((f) => `${DPKG_DIR}/${f}`);

export interface DpkgStanza {
  stanza: Stanza;
  pkg: Omit<InstalledPackage, 'files' | 'filesKnown'>;
  /** `name` or, for Multi-Arch: same, `name:arch`: how its info/ files are named. */
  infoNames: string[];
}

/** Installed packages' stanzas (Status `... installed`); others (config-files, half-removed) hold no files. */
export function installedStanzas(text: string): DpkgStanza[] {
  const out: DpkgStanza[] = [];
  for (const stanza of parseStanzas(text)) {
    const f = stanza.fields;
    const name = f.get('package');
    if (!name) continue;
    const status = f.get('status');
    // status.d stanzas carry no Status field: what is there is installed
    if (status !== undefined && !/\binstalled$/.test(status)) continue;
    const arch = f.get('architecture');
    const src = /^(\S+)(?:\s+\((.+)\))?/.exec(f.get('source') ?? '');
    out.push({
      stanza,
      pkg: {
        db: 'dpkg', name, version: f.get('version') ?? '', ...(arch ? { architecture: arch } : {}),
        ...(src && src[1] !== name ? { source: src[1] } : {}),
      },
      infoNames: arch ? [`${name}:${arch}`, name] : [name],
    });
  }
  return out;
}

/** The paths a `.list` names, in order (directories included, as dpkg records them; not `/.`). */
export function listPaths(text: string): string[] {
  return text.split('\n').filter((l) => l.startsWith('/') && l !== '/.');
}

/** `.list` text with only the lines `keep` accepts (the `/.` line stays). */
export function trimList(text: string, keep: (path: string) => boolean): string {
  const lines = text.split('\n').filter((l) => l !== '' && (l === '/.' || (l.startsWith('/') && keep(l))));
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** `md5sums` lines are `HASH  path/without/leading/slash`. */
export function md5sumsPaths(text: string): string[] {
  const out: string[] = [];
  for (const l of text.split('\n')) {
    const m = /^[0-9a-fA-F]+ [ *]?(.+)$/.exec(l);
    if (m) out.push(`/${m[1].replace(/^\/+/, '')}`);
  }
  return out;
}

export function trimMd5sums(text: string, keep: (path: string) => boolean): string {
  const lines = text.split('\n').filter((l) => {
    const m = /^[0-9a-fA-F]+ [ *]?(.+)$/.exec(l);
    return m !== null && keep(`/${m[1].replace(/^\/+/, '')}`);
  });
  return lines.length ? `${lines.join('\n')}\n` : '';
}

export { joinStanzas };
