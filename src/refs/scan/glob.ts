// Absolute paths written as glob patterns (`Dir.glob("/usr/lib/app/plugins/*.rb")`, a shell's
// `for f in /etc/app/conf.d/*.conf`): the code reads every file the pattern matches.

/** An absolute path with `*`, `?` or `[...]` in it. */
export const GLOB_PATH = /^\/[\w.@+,:=~%/-]*[*?[][\w.@+,:=~%/*?[\]!-]*$/;
