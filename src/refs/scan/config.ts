// Configuration the run read: a server's config names the paths it serves and uses (nginx's
// `root /srv/www;`, Apache's `DocumentRoot`, a database's `data_directory`, an app's
// `storage: /var/lib/app`). Read like code for its absolute paths: a file named there is kept,
// a directory whole when it holds data (src/select).
import type { RawRef } from '../types.js';

/** Files of configuration: under /etc, or named as one. */
const CONFIG = /^\/etc\/|\.(conf|cnf|cfg|ini|ya?ml|toml|json|xml|properties|env)$/;
/** What src/select and the loader read by their own rules: the user database, the shells, the loader's config. */
const NOT_CONFIG = /^\/etc\/(passwd|group|shadow|gshadow|shells|ld\.so\.(conf|cache)|ld\.so\.conf\.d\/.*|hosts|hostname|resolv\.conf|mtab|fstab|alternatives\/.*)$/;
/** An absolute path as a config writes one: after a space, a quote, `=`, `:` or `>`; not a URL's `//host`. */
const PATH = /(?:^|[\s"'=:,(>])(\/(?!\/)[\w.@%+~-]+(?:\/[\w.@%+~*-]+)*\/?)/g;

/** Whether `path` is configuration to read for paths (when the run read it). */
export function isConfig(path: string): boolean {
  return CONFIG.test(path) && !NOT_CONFIG.test(path);
}

/** The absolute paths a configuration names, one reference each (comments and URLs skipped). */
export function scanConfig(text: string): RawRef[] {
  const out: RawRef[] = [];
  const seen = new Set<string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/^\s*[#;].*$/, '').replace(/\s+#.*$/, '');
    for (const m of line.matchAll(PATH)) {
      const path = m[1]!.length > 1 ? m[1]!.replace(/\/$/, '') : '';
      if (path.split('/').length < 3 || seen.has(path)) continue; // "/" and a top-level dir name nothing specific
      seen.add(path);
      out.push({ lang: 'shell', kind: 'path', name: path, line: i + 1, how: 'configuration' });
    }
  });
  return out;
}
