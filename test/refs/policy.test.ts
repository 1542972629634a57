// Where imagebuild may take a file named by an absolute path (src/refs/policy.ts hostSourceRefused).
import { describe, expect, it } from 'vitest';
import { hostSourceRefused } from '../../src/refs/index.js';

const none = { allowed: [] };

describe('host files named by absolute path', () => {
  it('system software directories are fair game', () => {
    for (const p of ['/usr/share/misc/magic.mgc', '/usr/bin/xz', '/lib/x86_64-linux-gnu/libz.so.1', '/sbin/ldconfig', '/usr/local/share/app/t.csv']) {
      expect(hostSourceRefused(p, 0o644, none)).toBeUndefined();
    }
  });

  it('the host\'s configuration, state and users\' data are refused unless a directory is allowed', () => {
    for (const p of ['/etc/hostname', '/var/lib/app/db', '/home/alice/notes.txt', '/root/data', '/tmp/x', '/opt/app/conf', '/srv/www/index.html', '/usrdata/x']) {
      expect(hostSourceRefused(p, 0o644, none)).toMatch(/outside the system software directories/);
    }
    expect(hostSourceRefused('/home/alice/site/motd', 0o644, { allowed: ['/home/alice/site'] })).toBeUndefined();
    // a sibling that only starts with the allowed name is not under it
    expect(hostSourceRefused('/home/alice/site2/motd', 0o644, { allowed: ['/home/alice/site'] })).toBeDefined();
  });

  it('credentials, the host\'s running state and private files never, even under an allowed or a system directory', () => {
    const all = { allowed: ['/home/alice', '/etc'] };
    for (const p of ['/home/alice/.ssh/id_ed25519', '/home/alice/.aws/credentials', '/home/alice/.docker/config.json', '/etc/shadow', '/etc/gshadow-', '/etc/ssh/ssh_host_rsa_key', '/etc/ssl/private/site.key', '/usr/share/keys/id_rsa.pub']) {
      expect(hostSourceRefused(p, 0o644, all)).toMatch(/credentials/);
    }
    for (const p of ['/proc/self/environ', '/run/systemd/sessions', '/dev/null']) expect(hostSourceRefused(p, 0o644, all)).toMatch(/running state/);
    expect(hostSourceRefused('/usr/share/app/token', 0o600, none)).toMatch(/not readable by everyone/);
    expect(hostSourceRefused('/etc/app.conf', 0o640, all)).toMatch(/not readable by everyone/);
  });
});
