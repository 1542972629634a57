<?php
spl_autoload_register(function ($class) {
    $prefix = 'App\\';
    if (strncmp($class, $prefix, strlen($prefix)) !== 0) return;
    $file = __DIR__ . '/src/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
    if (is_file($file)) require $file;
});
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
set_exception_handler(function ($e) { http_response_code(500); echo "ERR ", get_class($e), ": ", $e->getMessage(), "\n", $e->getTraceAsString(); });
switch ($path) {
case '/': echo '<html><body><h1>phpweb</h1><a href="/about">about</a></body></html>'; break;
case '/about': echo '<html><body>about</body></html>'; break;
case '/twig':
    require_once '/usr/share/php/Twig/autoload.php';
    $twig = new \Twig\Environment(new \Twig\Loader\FilesystemLoader(__DIR__ . '/templates'), ['autoescape' => 'html']);
    echo $twig->render($_GET['t'] ?? 'page.twig', ['items' => ['a', 'b'], 'when' => 1709649000, 'name' => null]);
    break;
case '/h':
    $cls = 'App\\Handlers\\' . ucfirst($_GET['h'] ?? 'greet');
    echo (new $cls())->run();
    break;
case '/tz':
    date_default_timezone_set($_GET['z'] ?? 'Asia/Tokyo');
    echo date('c T', 1717243200);
    break;
case '/mb': echo bin2hex(mb_convert_encoding('日本語', $_GET['to'] ?? 'SJIS', 'UTF-8')); break;
case '/iconv': echo bin2hex(iconv('UTF-8', $_GET['to'] ?? 'EUC-JP', '日本語')); break;
case '/intl':
    $l = $_GET['l'] ?? 'de_DE';
    $nf = new NumberFormatter($l, NumberFormatter::CURRENCY);
    $df = new IntlDateFormatter($l, IntlDateFormatter::FULL, IntlDateFormatter::NONE, 'Europe/Berlin');
    $c = new Collator($l); $a = ['z', 'ä', 'a']; $c->sort($a);
    echo $nf->formatCurrency(1234.5, 'EUR'), ' | ', $df->format(1709649000), ' | ', implode('', $a), ' | ', Normalizer::normalize("e\u{301}", Normalizer::NFC) === "\u{e9}" ? 'nfc' : 'no';
    break;
case '/pdo':
    $db = new PDO('sqlite::memory:'); echo $db->query('select sqlite_version()')->fetchColumn(); break;
case '/hash': echo hash($_GET['alg'] ?? 'whirlpool', 'x'); break;
default: http_response_code(404); echo 'nope';
}
