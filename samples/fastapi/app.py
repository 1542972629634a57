# An API whose routes nothing links to: they are listed only in its OpenAPI document
# (/openapi.json). /export/{fmt} imports its backend by name on first call, so only a probe
# that calls it makes the slim image keep that module.
import enum
import importlib

from fastapi import FastAPI, HTTPException

app = FastAPI(title="slimts sample API")

ITEMS = {1: "apple", 2: "pear"}
# fmt -> module imported on first call (by name: nothing static refers to it)
BACKENDS = {"sqlite": "sqlite3", "xml": "xml.dom.minidom"}


class Fmt(str, enum.Enum):
    sqlite = "sqlite"
    xml = "xml"


@app.get("/items/{item_id}")
def item(item_id: int, verbose: bool = False):
    if item_id not in ITEMS:
        raise HTTPException(status_code=404, detail="no such item")
    out = {"id": item_id, "name": ITEMS[item_id]}
    if verbose:
        out["len"] = len(ITEMS[item_id])
    return out


@app.get("/search")
def search(q: str = "ap", limit: int = 10):
    return [v for v in ITEMS.values() if q in v][:limit]


@app.get("/export/{fmt}")
def export(fmt: Fmt):
    mod = importlib.import_module(BACKENDS[fmt.value])
    if fmt is Fmt.sqlite:
        db = mod.connect(":memory:")
        db.execute("create table items (id integer, name text)")
        db.executemany("insert into items values (?, ?)", list(ITEMS.items()))
        rows = db.execute("select id, name from items order by id").fetchall()
        return {"backend": mod.__name__, "version": mod.sqlite_version, "rows": rows}
    doc = mod.parseString("<items>%s</items>" % "".join("<i>%s</i>" % v for v in ITEMS.values()))
    return {"backend": mod.__name__, "xml": doc.documentElement.toxml()}


@app.post("/items")
def create(name: str):
    ITEMS[max(ITEMS) + 1] = name
    return {"id": max(ITEMS)}
