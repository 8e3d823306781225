"""The built descriptor: the root datapackage.json with schemas inlined and the data version.

The package is a Data Package v2 (`$schema`): every CSV resource is declared `type: table`
with its Table Schema, and the SQLite database the build writes is a resource of its own (a
file holding every table, so not `type: table`). A release adds each table's Parquet file
(`release/release.py`). The descriptor says nothing about the machine that built it (no raw
root path).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..metadata import package_descriptor, resources, table_resources

PACKAGE_SCHEMA = "https://datapackage.org/profiles/2.0/datapackage.json"
TABLE_TYPE = "table"
DATABASE_RESOURCE = "database"
SQLITE_MEDIATYPE = "application/vnd.sqlite3"


def as_v2(descriptor: dict[str, Any]) -> dict[str, Any]:
    """The descriptor declared Data Package v2: `$schema` first, no v1 `profile`, and each
    CSV table resource `type: table` (a v1 `tabular-data-resource` profile dropped)."""
    out = {"$schema": PACKAGE_SCHEMA,
           **{k: v for k, v in descriptor.items() if k not in ("$schema", "profile")}}  # fmt: skip
    tables = {id(r) for r in table_resources(descriptor)}
    out["resources"] = [
        {"type": TABLE_TYPE, **{k: v for k, v in r.items() if k not in ("profile", "type")}}
        if id(r) in tables
        else r
        for r in descriptor.get("resources", [])
    ]
    return out


def database_resource(path: str) -> dict[str, Any]:
    """The SQLite database as a resource: a file of every table, not one table."""
    return {
        "name": DATABASE_RESOURCE,
        "title": "SQLite database",
        "description": "Every table of the package in one SQLite database, typed from the "
        "Table Schemas, with the indexes, views and full-text search the Datasette site uses. "
        "It holds the same content as the CSVs (`awards verify` compares every table's "
        "content digest).",
        "path": path,
        "format": "sqlite",
        "mediatype": SQLITE_MEDIATYPE,
    }


def built_descriptor(
    data_version: str,
    extra: dict[str, Any] | None = None,
    names: list[str] | None = None,
    database: str | None = None,
) -> dict[str, Any]:
    """Descriptor for a built data dir: paths relative to it, schemas inline; `database`, the
    SQLite file's name when the build writes one."""
    pkg = json.loads(json.dumps(package_descriptor()))
    pkg["version"] = data_version
    pkg.update(extra or {})
    out = []
    for entry in pkg["resources"]:
        if names is not None and entry["name"] not in names:
            continue
        entry["path"] = Path(entry["path"]).name
        entry["schema"] = resources()[entry["name"]].schema
        out.append(entry)
    if database is not None:
        out.append(database_resource(database))
    pkg["resources"] = out
    return as_v2(pkg)


def write_json(obj: Any, path: Path) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
