// Debian package ownership from /var/lib/dpkg: which package installed which path.
export interface DpkgPackage {
  name: string;
  architecture?: string;
  version?: string;
  /** Installed-Size, in bytes (dpkg records KiB). */
  installedSize?: number;
  status?: string;
}

/** Parses the `status` file's stanzas; only packages dpkg considers installed are kept. */
export function parseDpkgStatus(text: string): DpkgPackage[] {
  const out: DpkgPackage[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields: Record<string, string> = {};
    for (const line of stanza.split('\n')) {
      const m = /^([A-Za-z0-9-]+):\s?(.*)$/.exec(line);
      if (m) fields[m[1].toLowerCase()] = m[2].trim();
    }
    if (!fields.package) continue;
    const status = fields.status;
    if (status && !/\binstalled$/.test(status) && !status.endsWith('half-configured')) continue;
    const p: DpkgPackage = { name: fields.package };
    if (fields.architecture) p.architecture = fields.architecture;
    if (fields.version) p.version = fields.version;
    if (fields['installed-size']) p.installedSize = Number(fields['installed-size']) * 1024;
    if (status) p.status = status;
    out.push(p);
  }
  return out;
}

/** "/var/lib/dpkg/info/libc6:amd64.list" -> "libc6"; undefined for other files. */
export function packageOfListFile(path: string): string | undefined {
  const m = /^\/var\/lib\/dpkg\/info\/([^/]+)\.list$/.exec(path);
  return m ? m[1].replace(/:[^:]+$/, '') : undefined;
}

/** The paths a `.list` file names (directories included, as dpkg records them). */
export function parseDpkgList(text: string): string[] {
  return text.split('\n').filter((l) => l.startsWith('/') && l !== '/.');
}
