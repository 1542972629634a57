# Binds port 80 as nobody: only works when the file capability survives.
import os, signal, socket, sys

signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # PID 1 gets no default SIGTERM action
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 80))
s.listen(16)
print("listening on 80 as uid", os.getuid(), flush=True)
while True:
    c, _ = s.accept()
    c.recv(65536)
    body = b"fcaps ok uid=%d\n" % os.getuid()
    c.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    c.close()
