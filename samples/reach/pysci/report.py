# A report tool. `summary` (the image's default run) prints a count; `stats` computes with
# numpy (Debian keeps a directory named numpy without __init__ later on sys.path), `render`
# writes XML with lxml (its Cython extension imports lxml._elementpath from C) and YAML with
# PyYAML, `versions` asks importlib.metadata (the packages' *.egg-info, found by name).
import sys

ROWS = [3, 1, 4, 1, 5, 9, 2, 6]

mode = sys.argv[1] if len(sys.argv) > 1 else 'summary'
if mode == 'summary':
    print(f'{len(ROWS)} rows')
elif mode == 'stats':
    import numpy as np
    a = np.array(ROWS, dtype=float)
    print(a.mean(), np.median(a), np.linalg.norm(a[:2]).round(3))
elif mode == 'render':
    from lxml import etree
    import yaml
    root = etree.Element('rows')
    for r in ROWS[:3]:
        etree.SubElement(root, 'row').text = str(r)
    print(etree.tostring(root).decode())
    print(yaml.safe_dump({'first': ROWS[:2]}, default_flow_style=True).strip())
elif mode == 'versions':
    from importlib.metadata import version
    print(' '.join(version(p).split('.')[0] for p in ('numpy', 'lxml', 'PyYAML')))
else:
    sys.exit('usage: report.py summary|stats|render|versions')
