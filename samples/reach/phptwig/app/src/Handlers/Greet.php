<?php
namespace App\Handlers;
class Greet { public function run() { return 'hello from ' . static::class; } }
