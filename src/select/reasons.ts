// Human words for reasons, and the chain of reasons that explains why a path is kept.
import type { KeepSet, Reason } from './types.js';

export function formatReason(r: Reason): string {
  const of = r.of ?? '?';
  switch (r.kind) {
    case 'traced': return `traced ${r.detail ?? 'access'}${r.of ? ` of ${r.of}` : ''}`;
    case 'observed': return `observed ${r.detail ?? `access of ${of}`}`;
    case 'on-path': return `directory on path of ${of}`;
    case 'symlink-on-path': return `symlink on path of ${of}`;
    case 'symlink-target': return `symlink target of ${of}`;
    case 'parent': return `parent of ${of}`;
    case 'elf-interpreter': return `ELF interpreter of ${of}`;
    case 'elf-needed': return `library ${r.detail ?? ''} NEEDED by ${of}`.replace('  ', ' ');
    case 'ld-cache': return 'dynamic loader cache';
    case 'shebang': return `shebang interpreter of ${of}`;
    case 'hardlink': return `hardlink of ${of}`;
    case 'user-db': return `user database${r.detail ? ` (USER ${r.detail})` : ''}`;
    case 'nsswitch': return 'nsswitch';
    case 'include-path': return `--include-path ${r.detail ?? ''}`.trim();
    case 'include-bin': return `--include-bin ${r.detail ?? ''}`.trim();
    case 'include-exe': return `--include-exe ${r.detail ?? ''}`.trim();
    case 'include-shell': return '--include-shell';
    case 'workdir': return 'workdir';
    case 'volume': return 'volume';
    case 'entrypoint': return `entrypoint${r.detail ? ` ${r.detail}` : ''}`;
    case 'scratch-dir': return 'scratch directory';
    case 'import': return `imported by ${at(r)} (${r.detail ?? ''})`;
    case 'command': return `command in ${at(r)} (${r.detail ?? ''})`;
    case 'sourced': return `sourced by ${at(r)}`;
    case 'named': return `path named in ${at(r)}${r.detail ? ` (${r.detail})` : ''}`;
    case 'unit': return `package of a run-time name in ${at(r)} (${r.detail ?? ''})`;
    case 'library': return `library loaded by name in ${at(r)} (${r.detail ?? ''})`;
    case 'data-set': return `${r.detail ?? 'data set'} for ${of}`;
    case 'app-dir': return `app directory ${r.detail ?? ''}`.trim();
    case 'app-state': return `the app's state in ${of} (${r.detail ?? ''})`;
    case 'config-file': return `named by the image's config (${r.detail ?? ''})`;
    case 'home-config': return `configuration in the home of the app's user, ${of}`;
    case 'package-db': return r.detail ?? 'package database';
    case 'binary-path': return `path in the strings of ${of} (${r.detail ?? ''})`;
    case 'binary-program': return `program run by name by ${of} (${r.detail ?? ''})`;
    case 'binary-library': return `library loaded by name by ${of} (${r.detail ?? ''})`;
    case 'family': return `family of ${of}: ${r.detail ?? ''}`;
  }
}

function at(r: Reason): string {
  return `${r.of ?? '?'}${r.line ? `:${r.line}` : ''}`;
}

/**
 * Why `path` is kept: its reasons, then the reasons of what it was kept for, up to a root
 * cause (a traced access, an include option, the config). Empty when not kept.
 */
export function explain(keep: KeepSet, path: string, maxDepth = 12): string[] {
  const lines: string[] = [];
  const seen = new Set<string>();
  let cur: string | undefined = path;
  for (let depth = 0; cur !== undefined && depth < maxDepth && !seen.has(cur); depth++) {
    seen.add(cur);
    const k = keep.get(cur);
    if (!k) break;
    lines.push(`${cur}: ${k.reasons.map(formatReason).join('; ')}`);
    // follow the first reason that points at another kept path
    cur = k.reasons.find((r) => r.of && r.of !== cur && keep.has(r.of) && r.kind !== 'traced' && r.kind !== 'observed')?.of;
  }
  return lines;
}
