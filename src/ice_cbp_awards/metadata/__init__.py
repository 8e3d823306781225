"""The package's metadata, read from its single source: datapackage.json and schemas/.

Everything else (pandas dtypes, pandera models, expectation suites, SQLite DDL, Datasette
metadata, the data dictionary) is generated from what this module loads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ..paths import DESCRIPTOR_PATH, METADATA_ROOT


@dataclass(frozen=True)
class Resource:
    """One published resource: its descriptor entry and its Table Schema."""

    name: str
    descriptor: dict[str, Any]
    schema: dict[str, Any]

    @property
    def fields(self) -> list[dict[str, Any]]:
        return self.schema["fields"]

    @property
    def field_names(self) -> list[str]:
        return [f["name"] for f in self.fields]

    @property
    def primary_key(self) -> list[str]:
        pk = self.schema.get("primaryKey", [])
        return [pk] if isinstance(pk, str) else list(pk)

    @property
    def foreign_keys(self) -> list[dict[str, Any]]:
        return self.schema.get("foreignKeys", [])

    def field(self, name: str) -> dict[str, Any]:
        for f in self.fields:
            if f["name"] == name:
                return f
        raise KeyError(f"{self.name} has no field {name!r}")


@cache
def package_descriptor(path: Path = DESCRIPTOR_PATH) -> dict[str, Any]:
    """The root datapackage.json, as committed."""
    return json.loads(path.read_text(encoding="utf-8"))


def load_schema(schema_ref: str | dict[str, Any], base: Path = METADATA_ROOT) -> dict[str, Any]:
    """A Table Schema given inline or as a path relative to the descriptor."""
    if isinstance(schema_ref, dict):
        return schema_ref
    return json.loads((base / schema_ref).read_text(encoding="utf-8"))


@cache
def resources() -> dict[str, Resource]:
    """All resources of the package, by name, in descriptor order."""
    out: dict[str, Resource] = {}
    for entry in package_descriptor()["resources"]:
        out[entry["name"]] = Resource(entry["name"], entry, load_schema(entry["schema"]))
    return out


def resource(name: str) -> Resource:
    return resources()[name]


def table_resources(descriptor: dict[str, Any]) -> list[dict[str, Any]]:
    """The resources of a descriptor that are one table each: a CSV with its Table Schema.

    A release's descriptor (Data Package v2) also lists resources that are not one CSV table:
    the SQLite database (every table at once) and each table's Parquet file (`<table>-parquet`,
    no schema of its own); every reader of tables goes through here and skips them. Older
    descriptors (Data Package v1, `tabular-data-resource`) read the same.
    """
    return [
        r
        for r in descriptor.get("resources", [])
        if "schema" in r and (r.get("format") or Path(r.get("path", "")).suffix[1:]) == "csv"
    ]
