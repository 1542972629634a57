# Greets in the language a request asks for (?lang=de), from gettext catalogs found by
# gettext's own search (languages expanded, then /usr/share/locale/<lang>/LC_MESSAGES).
# The default probe only reaches "/" in the default language.
import gettext
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

DEFAULT_LANG = 'en_GB'


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urlparse(self.path)
        if url.path != '/':
            return self.answer(404, 'not found\n')
        lang = parse_qs(url.query).get('lang', [DEFAULT_LANG])[0]
        try:
            t = gettext.translation('greeter', languages=[lang])
        except OSError:
            return self.answer(404, 'no catalog for %s\n' % lang)
        self.answer(200, '%s\n%s\n' % (t.gettext('Hello, world'), t.gettext('Goodbye')))

    def answer(self, status, body):
        data = body.encode('utf-8')
        self.send_response(status)
        self.send_header('Content-Type', 'text/plain; charset=utf-8')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)


ThreadingHTTPServer(('0.0.0.0', 8070), Handler).serve_forever()
