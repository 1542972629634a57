<?php
namespace App\Handlers;
class Report { public function run() { return 'report ' . number_format(1234567.891, 2); } }
