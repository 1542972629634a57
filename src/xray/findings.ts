// Security- and size-relevant facts about the final (merged) filesystem.
import { decodeCapability } from './capabilities.js';
import { StackedTree, type Node } from './tree.js';

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

export const SHELLS: Record<string, string[]> = {
  sh: ['sh'],
  bash: ['bash'],
  dash: ['dash'],
  busybox: ['busybox'],
  ash: ['ash'],
  zsh: ['zsh'],
};

export const PACKAGE_MANAGERS: Record<string, string[]> = {
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

function ref(path: string, n: Node): FileRef {
  const m = n.meta!;
  return { path, size: m.size, mode: octal(m.mode), uid: m.uid, gid: m.gid, layer: m.layer };
}

function presence(tree: StackedTree, table: Record<string, string[]>): Presence[] {
  const out: Presence[] = [];
  for (const [name, bins] of Object.entries(table)) {
    const found: Presence['found'] = [];
    const seen = new Set<string>();
    for (const dir of BIN_DIRS) {
      for (const bin of bins) {
        const path = `${dir}/${bin}`;
        const r = tree.resolve(path);
        // Merged /usr makes /bin/x and /usr/bin/x the same file: report it once.
        if (!r || r.node.meta?.type === 'dir' || seen.has(r.path)) continue;
        seen.add(r.path);
        found.push({ path, resolved: r.path });
      }
    }
    if (found.length) out.push({ name, found });
  }
  return out;
}

export function collectFindings(tree: StackedTree, opts: { top?: number } = {}): Findings {
  const top = opts.top ?? 10;
  const f: Findings = { biggestFiles: [], setuid: [], setgid: [], capabilities: [], worldWritableDirs: [], shells: [], packageManagers: [] };
  const big: FileRef[] = [];
  for (const [path, n] of tree.walk()) {
    const m = n.meta;
    if (!m) continue;
    if (m.type === 'file') {
      // Keep only the top N while walking: memory stays bounded on huge images.
      if (big.length < top || m.size > big[big.length - 1].size) {
        big.push(ref(path, n));
        big.sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1));
        if (big.length > top) big.pop();
      }
    }
    if (m.type === 'file' || m.type === 'hardlink') {
      if (m.mode & 0o4000) f.setuid.push(ref(path, n));
      if (m.mode & 0o2000) f.setgid.push(ref(path, n));
      if (m.capability) {
        const caps = decodeCapability(m.capability);
        f.capabilities.push({ ...ref(path, n), capabilities: caps?.permitted ?? [], effective: caps?.effective ?? false });
      }
    }
    if (m.type === 'dir' && m.mode & 0o002) {
      f.worldWritableDirs.push({ path, mode: octal(m.mode), sticky: (m.mode & 0o1000) !== 0 });
    }
  }
  f.biggestFiles = big;
  f.shells = presence(tree, SHELLS);
  f.packageManagers = presence(tree, PACKAGE_MANAGERS);
  return f;
}
