// --user on a scratch image: the engine looks a user name up in the image's /etc/passwd and
// group (and programs look up their own uid), so the image gets a user database made of root
// and that user's host entries only (no other host account leaks into the image), and an
// nsswitch.conf that sends glibc's lookups to those files.
import { readFileSync } from 'node:fs';
import { UserError } from '../util/errors.js';

export interface GeneratedFile {
  path: string;
  content: Buffer;
  mode: number;
  reason: string;
}

const NSSWITCH = 'passwd:         files\ngroup:          files\nshadow:         files\nhosts:          files dns\nnetworks:       files\nprotocols:      files\nservices:       files\n';

/** The user database for `--user USER[:GROUP]`, from the host's /etc/passwd and /etc/group (readable for tests). */
export function userDatabase(user: string, etc = '/etc'): GeneratedFile[] {
  const [u = '', g] = user.split(':');
  if (u === '') throw new UserError(`--user ${JSON.stringify(user)}: expected USER[:GROUP]`);
  const passwd = lines(`${etc}/passwd`);
  const group = lines(`${etc}/group`);
  const numeric = /^\d+$/;
  const entry = passwd.find((l) => { const f = l.split(':'); return numeric.test(u) ? f[2] === u : f[0] === u; });
  if (!entry && !numeric.test(u)) throw new UserError(`--user ${user}: no user ${u} on this host (the image's /etc/passwd is made from the host's entry; give a numeric id)`);
  const gid = g ?? entry?.split(':')[3];
  const grp = gid === undefined ? undefined : group.find((l) => { const f = l.split(':'); return numeric.test(gid) ? f[2] === gid : f[0] === gid; });
  if (g !== undefined && !grp && !numeric.test(g)) throw new UserError(`--user ${user}: no group ${g} on this host`);
  const rootP = passwd.find((l) => l.startsWith('root:')) ?? 'root:x:0:0:root:/root:/bin/sh';
  const rootG = group.find((l) => l.startsWith('root:')) ?? 'root:x:0:';
  const reason = `user database for --user ${user}`;
  const text = (xs: Array<string | undefined>) => Buffer.from([...new Set(xs.filter((x): x is string => x !== undefined))].map((l) => `${l}\n`).join(''));
  return [
    { path: '/etc/passwd', content: text([rootP, entry]), mode: 0o644, reason },
    // a group line names its members: keep only the user's own name there
    { path: '/etc/group', content: text([rootG, grp && onlyMember(grp, entry?.split(':')[0])]), mode: 0o644, reason },
    { path: '/etc/nsswitch.conf', content: Buffer.from(NSSWITCH), mode: 0o644, reason },
  ];
}

/** uid, gid and home of `USER[:GROUP]` on the host (names looked up in its files), for running as it. */
export function hostIds(user: string, etc = '/etc'): { uid: number; gid: number; home?: string } | undefined {
  const [u = '', g] = user.split(':');
  const pw = lines(`${etc}/passwd`).map((l) => l.split(':')).find((f) => (/^\d+$/.test(u) ? f[2] === u : f[0] === u));
  const uid = /^\d+$/.test(u) ? Number(u) : pw ? Number(pw[2]) : undefined;
  if (uid === undefined) return undefined;
  const gr = g === undefined ? undefined : lines(`${etc}/group`).map((l) => l.split(':')).find((f) => (/^\d+$/.test(g) ? f[2] === g : f[0] === g));
  const gid = g === undefined ? Number(pw?.[3] ?? uid) : /^\d+$/.test(g) ? Number(g) : gr ? Number(gr[2]) : undefined;
  if (gid === undefined) return undefined;
  return { uid, gid, home: pw?.[5] };
}

function onlyMember(line: string, name: string | undefined): string {
  const f = line.split(':');
  const members = (f[3] ?? '').split(',').filter((m) => m !== '' && m === name);
  return [...f.slice(0, 3), members.join(',')].join(':');
}

function lines(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  } catch {
    return [];
  }
}
