// One three-layer image exercising everything xray counts: overwrites, a file whiteout, an
// opaque directory, duplicates, a same-size non-duplicate, setuid, a capability, sticky and
// non-sticky world-writable dirs, a shell behind a /bin symlink.
import type { Spec } from './fixtures.js';

const fill = (ch: string, n: number) => ch.repeat(n);

// vfs_cap_data revision 2, effective, permitted = cap_net_bind_service (bit 10).
export const CAP_NET_BIND = String.fromCharCode(1, 0, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

export const LAYER0: Spec[] = [
  { path: 'etc/' },
  { path: 'etc/config', content: fill('a', 100) },
  { path: 'data/' },
  { path: 'data/big', content: fill('b', 1000) },
  { path: 'opt/' },
  { path: 'opt/app/' },
  { path: 'opt/app/lib1', content: fill('c', 300) },
  { path: 'opt/app/lib2', content: fill('d', 200) },
  { path: 'usr/' },
  { path: 'usr/bin/' },
  { path: 'usr/bin/sh', content: fill('e', 50), mode: 0o755 },
  { path: 'usr/bin/su', content: fill('f', 80), mode: 0o4755 },
  { path: 'tmp/', mode: 0o1777 },
  { path: 'bin', type: 'symlink', linkname: 'usr/bin' },
];

export const LAYER1: Spec[] = [
  { path: 'etc/' },
  { path: 'etc/config', content: fill('g', 150) },
  { path: 'data/' },
  { path: 'data/.wh.big' },
  { path: 'srv/' },
  { path: 'srv/dup1', content: fill('x', 2000) },
  { path: 'srv/dup2', content: fill('x', 2000) },
  { path: 'srv/other', content: fill('y', 2000) },
  { path: 'srv/other2', content: fill('z', 2000) },
  { path: 'opt/' },
  { path: 'opt/app/' },
  { path: 'opt/app/.wh..wh..opq' },
  { path: 'opt/app/lib1', content: fill('h', 10) },
  { path: 'pub/', mode: 0o777 },
  { path: 'usr/' },
  { path: 'usr/bin/' },
  { path: 'usr/bin/ping', content: fill('i', 60), mode: 0o755, xattrs: { 'security.capability': CAP_NET_BIND } },
];

// No parent dir entries: /etc and /srv are implied.
export const LAYER2: Spec[] = [
  { path: 'etc/config', content: fill('j', 120) },
  { path: 'srv/.wh.other' },
];

export const HISTORY = [
  { created_by: '/bin/sh -c #(nop) ADD file:0123abcd in / ' },
  { created_by: '/bin/sh -c #(nop)  ENV A=1', empty_layer: true },
  { created_by: 'RUN |1 V=2 /bin/sh -c echo hi > /srv/dup1 # buildkit' },
  { created_by: '/bin/sh -c rm /srv/other' },
  { created_by: '/bin/sh -c #(nop)  CMD ["sh"]', empty_layer: true },
];

export const CONFIG = {
  Env: ['PATH=/usr/bin', 'A=1'],
  Cmd: ['sh'],
  WorkingDir: '/srv',
  ExposedPorts: { '8080/tcp': {} },
  User: '1000',
};

/*
 * Expected numbers, by hand, following dive's rules (a path is visited once per layer whose
 * tree has it as a leaf; a whiteout of a file weighs 0; an opaque dir counts a 0-size visit
 * for each lower file it hides that the layer does not bring back):
 *
 *   path            visits            count  cumulative  min
 *   /etc/config     100, 150, 120     3      370         100
 *   /data/big       1000, 0 (.wh.)    2      1000        0
 *   /opt/app/lib1   300, 10           2      310         10
 *   /opt/app/lib2   200, 0 (opaque)   2      200         0
 *   /srv/other      2000, 0 (.wh.)    2      2000        0
 *   /usr/bin/sh     50                1      50          50
 *   /usr/bin/su     80                1      80          80
 *   /tmp, /bin, /pub (leaves of size 0)       0           0
 *   /srv/dup1, /srv/dup2, /srv/other2 2000 each (1 visit each)
 *   /usr/bin/ping   60                1      60          60
 */
export const EXPECT = {
  discovered: 370 + 1000 + 310 + 200 + 2000 + 50 + 80 + 0 + 0 + 0 + 2000 * 3 + 60, // 10070
  minimum: 100 + 0 + 10 + 0 + 0 + 50 + 80 + 2000 * 3 + 60, // 6300
  wastedBytes: 370 + 1000 + 310 + 200 + 2000, // 3880
  layerSizes: [100 + 1000 + 300 + 200 + 50 + 80, 150 + 2000 * 4 + 10 + 60, 120], // 1730, 8220, 120
};
