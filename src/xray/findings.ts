// Security- and size-relevant facts about the final (merged) filesystem.
import type { FsEntry } from '../image/types.js';
import type { MergedTree } from '../image/overlay/index.js';
import { decodeCapability } from './capabilities.js';

export interface FileRef {
  path: string;
  size: number;
  mode: string; // octal, e.g. "4755"
  uid: number;
  gid: number;
  layer: number;
}

export interface CapabilityFile extends FileRef {
  capabilities: string[];
  effective: boolean;
}

export interface WorldWritableDir {
  path: string;
  mode: string;
  sticky: boolean;
}

export interface Presence {
  name: string;
  /** Paths (as asked) that exist, with what they resolve to. */
  found: { path: string; resolved: string }[];
}

export interface Findings {
  biggestFiles: FileRef[];
  setuid: FileRef[];
  setgid: FileRef[];
  capabilities: CapabilityFile[];
  worldWritableDirs: WorldWritableDir[];
  shells: Presence[];
  packageManagers: Presence[];
}

const BIN_DIRS = ['/bin', '/usr/bin', '/sbin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin'];

const SHELLS: Record<string, string[]> = {
  sh: ['sh'],
  bash: ['bash'],
  dash: ['dash'],
  busybox: ['busybox'],
  ash: ['ash'],
  zsh: ['zsh'],
};

const PACKAGE_MANAGERS: Record<string, string[]> = {
  apt: ['apt', 'apt-get'],
  dpkg: ['dpkg'],
  apk: ['apk'],
  yum: ['yum'],
  dnf: ['dnf', 'microdnf'],
  rpm: ['rpm'],
  pip: ['pip', 'pip3'],
  npm: ['npm'],
};

const octal = (mode: number) => (mode & 0o7777).toString(8).padStart(4, '0');

function ref(e: FsEntry): FileRef {
  return { path: e.path, size: e.size, mode: octal(e.mode), uid: e.uid, gid: e.gid, layer: e.layer };
}

function presence(tree: MergedTree, table: Record<string, string[]>): Presence[] {
  const out: Presence[] = [];
  for (const [name, bins] of Object.entries(table)) {
    const found: Presence['found'] = [];
    const seen = new Set<string>();
    for (const dir of BIN_DIRS) {
      for (const bin of bins) {
        const path = `${dir}/${bin}`;
        const r = tree.resolve(path);
        // Merged /usr makes /bin/x and /usr/bin/x the same file: report it once.
        if (!r || r.type === 'dir' || seen.has(r.path)) continue;
        seen.add(r.path);
        found.push({ path, resolved: r.path });
      }
    }
    if (found.length) out.push({ name, found });
  }
  return out;
}

export function collectFindings(tree: MergedTree, opts: { top?: number } = {}): Findings {
  const top = opts.top ?? 10;
  const f: Findings = { biggestFiles: [], setuid: [], setgid: [], capabilities: [], worldWritableDirs: [], shells: [], packageManagers: [] };
  const big: FileRef[] = [];
  for (const e of tree.entries()) {
    if (e.path === '/' || tree.isImplied(e)) continue;
    if (e.type === 'file') {
      // Keep only the top N while walking: memory stays bounded on huge images.
      if (big.length < top || e.size > big[big.length - 1].size) {
        big.push(ref(e));
        big.sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1));
        if (big.length > top) big.pop();
      }
    }
    if (e.type === 'file' || e.type === 'hardlink') {
      if (e.mode & 0o4000) f.setuid.push(ref(e));
      if (e.mode & 0o2000) f.setgid.push(ref(e));
      const cap = e.xattrs?.['security.capability'];
      if (cap) {
        const caps = decodeCapability(cap);
        f.capabilities.push({ ...ref(e), capabilities: caps?.permitted ?? [], effective: caps?.effective ?? false });
      }
    }
    if (e.type === 'dir' && e.mode & 0o002) {
      f.worldWritableDirs.push({ path: e.path, mode: octal(e.mode), sticky: (e.mode & 0o1000) !== 0 });
    }
  }
  f.biggestFiles = big;
  f.shells = presence(tree, SHELLS);
  f.packageManagers = presence(tree, PACKAGE_MANAGERS);
  return f;
}
