# GET / answers without importing anything else; the other routes are linked from nowhere and
# each needs files nothing else touches: a C extension module, a shared library, a data file,
# an encoding module and a program run by name.
import http.server
import json
import os
import subprocess


def money():
    import decimal  # _decimal C extension, libmpdec
    return str(decimal.Decimal("1.10") + decimal.Decimal("2.20"))


def db():
    import sqlite3  # _sqlite3, libsqlite3
    con = sqlite3.connect(":memory:")
    con.execute("create table t (x)")
    con.execute("insert into t values (42)")
    return str(con.execute("select x from t").fetchone()[0])


def catalog():
    with open(os.path.join("/app/data", "catalog.json")) as f:
        return str(len(json.load(f)["items"]))


def codec():
    return "cp500 " + "hello".encode("cp500").hex()


def date():
    return subprocess.run(["date", "-u", "-d", "@0", "+%Y"], capture_output=True, text=True, check=True).stdout.strip()


ROUTES = {"/money": money, "/db": db, "/catalog": catalog, "/codec": codec, "/date": date}


class Handler(http.server.BaseHTTPRequestHandler):
    # keep-alive (every answer has a Content-Length): HTTP/1.0's connection per request would
    # spend a load generator's ports (TIME_WAIT) before it measured the app
    protocol_version = "HTTP/1.1"
    # headers and body are two writes: without this, Nagle and the client's delayed ACK hold
    # every keep-alive answer ~40 ms
    disable_nagle_algorithm = True

    def do_GET(self):
        try:
            body = "observe sample\n" if self.path == "/" else ROUTES[self.path]() + "\n"
            code = 200
        except KeyError:
            body, code = "not found\n", 404
        except Exception as e:  # a missing file in a slim image shows here
            body, code = f"error: {type(e).__name__}: {e}\n", 500
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("", 8080), Handler).serve_forever()
