import sys, json, os
import extramod
from nspkg import a, b
import nspkg

print("prefix", sys.prefix, "exec_prefix", sys.exec_prefix)
print("extramod", extramod.VALUE)
print("nspkg", a.NAME, b.NAME, sorted(os.path.basename(os.path.dirname(p)) for p in nspkg.__path__))
print("json", json.dumps({"ok": True}))
