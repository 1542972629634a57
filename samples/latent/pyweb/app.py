# A stdlib web app whose routes other than / and /about import what they need when they run.
# Only / and /about are linked (the default probe reaches those); the rest are the "latent" paths.
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOME = b'<html><body><h1>pyweb</h1><a href="/about">about</a></body></html>'


def money():
    from decimal import Decimal, ROUND_HALF_EVEN
    total = sum(Decimal(p) for p in ('19.99', '5.01', '0.105'))
    return {'total': str(total.quantize(Decimal('0.01'), rounding=ROUND_HALF_EVEN)),
            'c_impl': '_decimal' in sys.modules}


def table():
    import csv
    import io
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(['city', 'note'])
    w.writerow(['Quito', 'has, a comma'])
    return {'csv': out.getvalue(), 'rows': list(csv.reader(io.StringIO(out.getvalue())))}


def db():
    import sqlite3
    con = sqlite3.connect(':memory:')
    con.execute('create table t (n integer)')
    con.executemany('insert into t values (?)', [(i,) for i in range(10)])
    return {'sum': con.execute('select sum(n) from t').fetchone()[0], 'sqlite': sqlite3.sqlite_version}


def codec():
    import codecs
    return {'cp500': 'Grüße'.encode(codecs.lookup('cp500').name).hex(),
            'shift_jis': '日本語'.encode('shift_jis').hex(),
            'big5': '臺北'.encode('big5').hex()}


def tz():
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo
    t = datetime(2024, 7, 1, 12, 0, tzinfo=timezone.utc)
    return {z: t.astimezone(ZoneInfo(z)).isoformat() for z in ('Pacific/Auckland', 'America/Sao_Paulo')}


def tls():
    import ssl
    ctx = ssl.create_default_context()
    return {'stats': ctx.cert_store_stats(), 'verify': ctx.verify_mode == ssl.CERT_REQUIRED}


def data():
    with open('/app/data/rates.json') as f:
        return json.load(f)


def report():
    from pkg.fmt import render
    return {'report': render({'a': 1, 'b': 2})}


ROUTES = {'/money': money, '/table': table, '/db': db, '/codec': codec, '/tz': tz, '/tls': tls,
          '/data': data, '/report': report}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == '/':
            return self.send(200, 'text/html', HOME)
        if self.path == '/about':
            return self.send(200, 'text/plain', b'pyweb: a stdlib app\n')
        fn = ROUTES.get(self.path)
        if fn is None:
            return self.send(404, 'text/plain', b'not found\n')
        try:
            body = json.dumps(fn(), sort_keys=True).encode()
            return self.send(200, 'application/json', body)
        except Exception as err:  # the slim image's failures must show as answers, not hangs
            return self.send(500, 'text/plain', f'{type(err).__name__}: {err}\n'.encode())

    def send(self, status, ctype, body):
        self.send_response(status)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


if __name__ == '__main__':
    ThreadingHTTPServer(('0.0.0.0', 8080), Handler).serve_forever()
