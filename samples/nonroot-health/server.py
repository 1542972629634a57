import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

DATA = os.path.join(os.getcwd(), "data")


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            body, ctype = b"ok\n", "text/plain"
        elif self.path == "/":
            os.makedirs(DATA, exist_ok=True)
            with open(os.path.join(DATA, "hits"), "a") as f:
                f.write("hit\n")
            body = json.dumps({"message": os.environ.get("APP_MESSAGE", ""), "uid": os.getuid()}).encode()
            ctype = "application/json"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        print("%s %s" % (self.address_string(), fmt % args), flush=True)


HTTPServer(("0.0.0.0", int(os.environ.get("APP_PORT", "8080"))), Handler).serve_forever()
