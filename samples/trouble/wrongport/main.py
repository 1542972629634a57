# Listens on 8000 (the image EXPOSEs only 5000, from its base): / links to /data.
import http.server
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == '/':
            body = b'<a href="/data">data</a>\n'
        elif self.path == '/data':
            import json  # loaded on first use
            body = json.dumps({'port': 8000}).encode() + b'\n'
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header('Content-Type', 'text/html' if self.path == '/' else 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)


print('listening on 8000', file=sys.stderr, flush=True)
http.server.ThreadingHTTPServer(('', 8000), Handler).serve_forever()
