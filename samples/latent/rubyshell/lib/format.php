<?php
// Fixed-width record of the export file.
function export_line(string $region, float $amount, string $note): string {
    return str_pad(strtoupper($region), 6) . str_pad(number_format($amount, 2, ',', '.'), 10, ' ', STR_PAD_LEFT) . ' ' . $note;
}
