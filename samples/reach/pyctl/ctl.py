# A small stdlib control panel. Only / and /status are linked (the default probe reaches those);
# the other routes call standard-library functions whose own code loads what they need when
# they run: shutil's zip support imports zipfile inside a function, ctypes.util.find_library
# runs /sbin/ldconfig to find a library by name, mimetypes reads /etc/mime.types on first use,
# curses reads the terminfo entry of the terminal it is asked about (one file of a database
# keyed by the name), and `python3 -m json.tool` runs a module no code here imports.
# /limits reads the file the image's ENV names (CTL_LIMITS); /credentials reads ~/.netrc, which
# the netrc module finds in the user's home by its fixed name.
import ctypes
import ctypes.util
import json
import mimetypes
import os
import shutil
import subprocess
import sys
import tempfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOME = b'<html><body><h1>ctl</h1><a href="/status">status</a></body></html>'


def status():
    return {'ok': True, 'notes': sorted(os.listdir('/srv/ctl/notes'))}


def archive():
    with tempfile.TemporaryDirectory() as tmp:
        made = shutil.make_archive(os.path.join(tmp, 'notes'), 'zip', root_dir='/srv/ctl/notes')
        out = os.path.join(tmp, 'out')
        shutil.unpack_archive(made, out)
        names = sorted(os.listdir(out))
        with open(os.path.join(out, names[0])) as f:
            first = f.read()
    return {'format': os.path.splitext(made)[1], 'files': names, 'first': first}


def bzip():
    name = ctypes.util.find_library('bz2')
    lib = ctypes.CDLL(name)
    lib.BZ2_bzlibVersion.restype = ctypes.c_char_p
    return {'found': name, 'version': lib.BZ2_bzlibVersion().decode()}


def term(name):
    import curses  # noqa: F401  (here too: the child's -c code is a string)
    # curses sets a terminal up once per process: a child per question
    code = 'import curses, sys; curses.setupterm(sys.argv[1], 1); print(len(curses.tigetstr("clear") or b""))'
    out = subprocess.run([sys.executable, '-c', code, name], capture_output=True, text=True, check=True)
    return {name: int(out.stdout)}


def pretty():
    # a module run as a program by the interpreter itself: json/tool.py is never imported here
    out = subprocess.run([sys.executable, '-m', 'json.tool', '--sort-keys'], input='{"b": 1, "a": [2]}', capture_output=True, text=True, check=True)
    return {'pretty': out.stdout}


def mime():
    return {ext: mimetypes.guess_type('file' + ext)[0] for ext in ('.odt', '.epub', '.flac', '.ogx')}


def limits():
    with open(os.environ['CTL_LIMITS']) as f:
        return json.load(f)


def credentials():
    import netrc
    auth = netrc.netrc().authenticators('ctl.example.org')
    return {'login': auth[0] if auth else None}


ROUTES = {'/status': status, '/archive': archive, '/bzip': bzip, '/mime': mime, '/pretty': pretty, '/limits': limits, '/credentials': credentials}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        code, ctype, body = self.answer()
        self.send_response(code)
        for name, value in (('Content-Type', ctype), ('Content-Length', str(len(body)))):
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def answer(self):
        if self.path == '/':
            return 200, 'text/html', HOME
        fn = ROUTES.get(self.path)
        if self.path.startswith('/term/'):
            fn = lambda: term(self.path[len('/term/'):])  # noqa: E731
        if fn is None:
            return 404, 'text/plain', b'not found\n'
        try:
            return 200, 'application/json', json.dumps(fn(), sort_keys=True).encode()
        except Exception as e:  # the answer says what broke, for the comparison
            return 500, 'text/plain', f'{type(e).__name__}: {e}'.encode()

    def log_message(self, *args):
        pass


ThreadingHTTPServer(('0.0.0.0', 8081), Handler).serve_forever()
