// Configuration the run read, read for the absolute paths it names (src/refs/scan/config.ts).
import { describe, expect, it } from 'vitest';
import { isConfig, scanConfig } from '../../src/refs/scan/config.js';

describe('configuration the run read', () => {
  it('names the paths a server serves and uses; comments, URLs and top-level dirs name nothing', () => {
    const refs = scanConfig([
      'server {',
      '  listen 80;',
      '  root /srv/www;        # the docroot',
      '  # root /old/www;',
      '  location /img/ { alias /srv/media/img/; }',
      '  include /etc/nginx/snippets/*.conf;',
      '  proxy_pass http://backend/api/;',
      '  error_log /var/log/nginx/error.log;',
      '}',
      'data_directory = \'/var/lib/postgresql/15/main\'',
      'storage: "/var/lib/app"',
      'pid /run;',
    ].join('\n'));
    expect(refs.map((r) => [r.name, r.line])).toEqual([
      ['/srv/www', 3], ['/srv/media/img', 5], ['/etc/nginx/snippets/*.conf', 6], ['/var/log/nginx/error.log', 8],
      ['/var/lib/postgresql/15/main', 10], ['/var/lib/app', 11],
    ]);
    expect(refs.every((r) => r.kind === 'path' && r.how === 'configuration')).toBe(true);
  });
  it('what is configuration: under /etc or named as one; not what the loader and the user database rules read', () => {
    for (const p of ['/etc/nginx/sites-available/default', '/app/config.yaml', '/srv/app.ini']) expect(isConfig(p), p).toBe(true);
    for (const p of ['/etc/passwd', '/etc/ld.so.conf.d/x.conf', '/etc/shells', '/app/data.csv']) expect(isConfig(p), p).toBe(false);
  });
});
