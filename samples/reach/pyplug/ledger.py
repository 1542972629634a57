# Output formats are plugins: installed distributions declare them as entry points in the
# `ledger.formats` group. `formats` (the default run) lists them, which reads every
# distribution's entry_points.txt; `render NAME` loads one, importing the module named there.
import sys
from importlib.metadata import entry_points

ROWS = [("rent", 700), ("milk", 2)]
formats = {ep.name: ep for ep in entry_points(group="ledger.formats")}
cmd = sys.argv[1] if len(sys.argv) > 1 else "formats"
if cmd == "formats":
    print(" ".join(sorted(formats)))
elif cmd == "render":
    print(formats[sys.argv[2]].load()(ROWS), end="")
else:
    sys.exit(f"unknown command {cmd}")
