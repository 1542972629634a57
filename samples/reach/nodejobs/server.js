// A job board: / and /health are linked (the default probe reaches those). The handlers live
// in a file whose name says nothing of its language (node reads it because server.js requires it).
const http = require('http');
const handlers = require('./handlers.route');

const HOME = '<html><body><h1>jobs</h1><a href="/health">health</a></body></html>';

http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/') {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    return res.end(HOME);
  }
  const fn = handlers[url.pathname.slice(1)];
  if (!fn) {
    res.writeHead(404);
    return res.end('not found\n');
  }
  try {
    const body = JSON.stringify(fn(url.searchParams));
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(body);
  } catch (e) {
    res.writeHead(500, { 'Content-Type': 'text/plain' });
    res.end(`${e.code || e.name}: ${e.message.split('\n')[0]}`);
  }
}).listen(3001, '0.0.0.0');
