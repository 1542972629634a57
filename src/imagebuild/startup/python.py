# What Python loaded before a script's first line (run with -c by src/imagebuild/startup.ts):
# b NAME for each module compiled into the interpreter or loaded without a file (__main__: no
# file to find), m NAME FILE for each module with a file, d DIR for sys.path, s DIR for the site directories.
import sys
for n in sys.builtin_module_names: print('b', n)
for n, m in list(sys.modules.items()):
    f = getattr(m, '__file__', None)
    if isinstance(f, str): print('m', n, f)
    elif getattr(m, '__path__', None) is None: print('b', n)
for d in sys.path:
    if d: print('d', d)
if 'site' in sys.modules:
    for d in sys.modules['site'].getsitepackages(): print('s', d)
