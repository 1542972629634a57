// A node app whose unlinked routes require() what they need when they run: a local module that
// pulls a Debian node package, ICU time zone formatting, TLS contexts on the system CA store.
'use strict';
const http = require('http');

const HOME = '<html><body><h1>nodeweb</h1><a href="/status">status</a></body></html>';

const routes = {
  '/versions': () => require('./lib/versions').summary(['1.2.3', '10.0.0', '2.0.0-rc.1', '2.0.0']),
  '/intl': () => {
    const t = Date.UTC(2024, 6, 1, 12, 0);
    const fmt = (zone, locale) => new Intl.DateTimeFormat(locale, { timeZone: zone, dateStyle: 'full', timeStyle: 'long' }).format(t);
    return { kolkata: fmt('Asia/Kolkata', 'hi-IN'), havana: fmt('America/Havana', 'es-CU'), tokyo: fmt('Asia/Tokyo', 'ja-JP') };
  },
  '/tls': () => {
    // an https client that trusts the system CA store (as apps pass `ca:` to an Agent)
    const tls = require('tls');
    const system = require('fs').readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8');
    const ctx = tls.createSecureContext({ ca: system });
    return { bundled: tls.rootCertificates.length, systemCAs: system.split('-----BEGIN CERTIFICATE-----').length - 1, context: typeof ctx.context };
  },
  '/gzip': () => {
    const zlib = require('zlib');
    const packed = zlib.gzipSync(Buffer.from('nodeweb '.repeat(100)));
    return { packedBytes: packed.length, roundTrip: zlib.gunzipSync(packed).length };
  },
};

http.createServer((req, res) => {
  const send = (status, type, body) => { res.writeHead(status, { 'content-type': type }); res.end(body); };
  if (req.url === '/') return send(200, 'text/html', HOME);
  if (req.url === '/status') return send(200, 'text/plain', 'nodeweb ok\n');
  const route = routes[req.url];
  if (!route) return send(404, 'text/plain', 'not found\n');
  try {
    send(200, 'application/json', JSON.stringify(route()));
  } catch (err) {
    send(500, 'text/plain', `${err.name}: ${err.message}\n`);
  }
}).listen(3000, '0.0.0.0');
