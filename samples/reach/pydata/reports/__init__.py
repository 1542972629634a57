# The app's own package: its templates are package data, read through the import system by the
# package's name (importlib.resources), never through a path in the code.
from importlib.resources import files


def summary(kind):
    return files(__name__).joinpath(f"templates/{kind}.txt").read_text().strip()
