// The hardening as the user applies it: a `docker run` line and a compose service snippet. Pure.
import type { Hardening } from './plan.js';

const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export function dockerRunLine(h: Hardening, image: string, profileFile: string): string {
  const parts = ['docker run', ...(h.profile ? [`--security-opt seccomp=${q(profileFile)}`] : []), '--cap-drop ALL'];
  for (const c of h.caps) parts.push(`--cap-add ${c.cap}`);
  if (h.readOnly) {
    parts.push('--read-only');
    for (const t of h.tmpfs) parts.push(`--tmpfs ${q(`${t.path}:${t.options}`)}`);
  }
  parts.push(q(image));
  return parts.join(' ');
}

export function composeSnippet(h: Hardening, image: string, profileFile: string): string {
  const lines = [`image: ${image}`, ...(h.profile ? ['security_opt:', `  - seccomp:${profileFile}`] : []), 'cap_drop:', '  - ALL'];
  if (h.caps.length) lines.push('cap_add:', ...h.caps.map((c) => `  - ${c.cap}`));
  if (h.readOnly) {
    lines.push('read_only: true');
    if (h.tmpfs.length) lines.push('tmpfs:', ...h.tmpfs.map((t) => `  - ${t.path}:${t.options}`));
  }
  return lines.join('\n');
}
