<?php
// What PHP reads at startup (run with -r by src/imagebuild/startup.ts, without the opening tag):
// its ini files and each extension and zend_extension they load (a missing one is a startup
// warning), f FILE each; t DIR for the system time zone database.
$x = ini_get('extension_dir');
foreach (array_filter(array_merge([php_ini_loaded_file()], array_map('trim', explode(',', (string) php_ini_scanned_files())))) as $f) {
  echo "f $f\n";
  foreach (file($f) as $l) if (preg_match('/^\s*(?:zend_)?extension\s*=\s*"?([^"\s;]+)/', $l, $m)) {
    $p = $m[1][0] === '/' ? $m[1] : "$x/" . $m[1];
    if (!is_file($p)) $p .= '.so';
    if (is_file($p)) echo "f $p\n";
  }
}
// Debian's PHP reads the system time zone database (its version then says "system")
if (str_contains(timezone_version_get(), 'system') && is_dir('/usr/share/zoneinfo')) echo "t /usr/share/zoneinfo\n";
