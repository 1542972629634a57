<?php
// Export job: one fixed-width line per sale, dated in the head office's zone.
require __DIR__ . '/../lib/format.php';

date_default_timezone_set('Asia/Tokyo');
$stamp = date('Y-m-d H:i T', 1719835200);
$rows = array_map('str_getcsv', file('/app/data/sales.csv', FILE_IGNORE_NEW_LINES));
array_shift($rows);
echo "export $stamp\n";
foreach ($rows as $r) {
    echo export_line($r[0], (float)$r[1], $r[2]), "\n";
}
