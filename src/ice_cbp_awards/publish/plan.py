"""What the SQLite database and the Datasette site hold for each resource, derived in one place.

The database writer and the Datasette metadata both read a `TablePlan`, so the columns that are
indexed, faceted, sorted and searched are the same in the database and on the site. A plan is
computed from the built package's descriptor (schemas inlined) and the reviewed `site.yml`;
no field is listed twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from ..metadata import load_schema, table_resources
from ..metadata.sqlite import SqliteForeignKey as ForeignKey
from ..metadata.types import FALSE_VALUES, TRUE_VALUES, boolean_values, sqlite_type
from ..paths import METADATA_ROOT

SITE_CONFIG_PATH = Path(__file__).with_name("site.yml")


class PublishError(ValueError):
    """Bad input to the publish step, with a one-line message naming file, row and problem."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Frictionless type
    sqlite_type: str
    required: bool
    description: str
    unit: str | None
    true_values: tuple[str, ...] = tuple(TRUE_VALUES)
    false_values: tuple[str, ...] = tuple(FALSE_VALUES)


@dataclass(frozen=True)
class TablePlan:
    name: str
    title: str
    description: str
    csv_path: Path
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    unique: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...]
    indexes: tuple[str, ...]
    fts_columns: tuple[str, ...]
    facets: tuple[str, ...]
    sort_desc: str | None
    sort: str | None
    label_column: str | None
    descriptor: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def fields(self) -> list[dict[str, Any]]:
        """The Table Schema fields, in column order."""
        return self.descriptor["schema"]["fields"]

    @property
    def fts_table(self) -> str | None:
        return f"{self.name}_fts" if self.fts_columns else None


@cache
def site_config(path: Path = SITE_CONFIG_PATH) -> dict[str, Any]:
    """The reviewed site choices (see site.yml)."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def read_built_descriptor(data_dir: Path) -> dict[str, Any]:
    """The built package's descriptor, data_dir/datapackage.json, with every schema inlined."""
    path = data_dir / "datapackage.json"
    if not path.is_file():
        raise PublishError(f"{path}: not found; run `awards build` first")
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise PublishError(f"{path}: line {exc.lineno}: invalid JSON: {exc.msg}") from exc
    if not descriptor.get("resources"):
        raise PublishError(f"{path}: the descriptor lists no resources")
    for entry in descriptor["resources"]:
        schema = entry.get("schema")
        if isinstance(schema, str):
            base = data_dir if (data_dir / schema).is_file() else METADATA_ROOT
            entry["schema"] = load_schema(schema, base)
    return descriptor


def resource_csv_path(data_dir: Path, entry: dict[str, Any]) -> Path:
    """Where a resource's CSV is in a built data dir: its path, or its file name in data_dir."""
    rel = entry.get("path") or f"{entry['name']}.csv"
    for candidate in (data_dir / rel, data_dir / Path(rel).name):
        if candidate.is_file():
            return candidate
    return data_dir / Path(rel).name


def _columns(entry: dict[str, Any]) -> tuple[Column, ...]:
    schema = entry["schema"]
    pk = schema.get("primaryKey", [])
    pk = [pk] if isinstance(pk, str) else list(pk)
    cols = []
    for f in schema["fields"]:
        ftype = f.get("type", "string")
        constraints = f.get("constraints", {})
        true_values, false_values = boolean_values(f, schema)
        cols.append(
            Column(
                name=f["name"],
                type=ftype,
                sqlite_type=sqlite_type(f),
                required=bool(constraints.get("required")) or f["name"] in pk,
                description=f.get("description", ""),
                unit=f.get("unit"),
                true_values=tuple(true_values),
                false_values=tuple(false_values),
            )
        )
    return tuple(cols)


def _unique_keys(schema: dict[str, Any]) -> list[tuple[str, ...]]:
    """Column sets a foreign key may reference in SQLite: the primary key and unique columns."""
    pk = schema.get("primaryKey", [])
    keys = [(pk,) if isinstance(pk, str) else tuple(pk)]
    keys += [(f["name"],) for f in schema["fields"] if f.get("constraints", {}).get("unique")]
    return keys


def _foreign_keys(entry: dict[str, Any], present: dict[str, dict]) -> tuple[ForeignKey, ...]:
    """The schema's foreign keys SQLite can declare: the other table is published and the
    referenced columns are its primary key or a unique column (Datasette needs no more)."""
    out = []
    for fk in entry["schema"].get("foreignKeys", []):
        cols = fk["fields"]
        ref = fk["reference"]
        other = ref.get("resource") or entry["name"]  # "" means a self-reference
        other_cols = ref["fields"]
        cols = [cols] if isinstance(cols, str) else list(cols)
        other_cols = [other_cols] if isinstance(other_cols, str) else list(other_cols)
        if other in present and tuple(other_cols) in _unique_keys(present[other]["schema"]):
            out.append(ForeignKey(tuple(cols), other, tuple(other_cols)))
    return tuple(out)


def _facets(name: str, columns: tuple[Column, ...], entry: dict[str, Any], cfg: dict) -> list[str]:
    override = cfg.get("tables", {}).get(name, {}).get("facets")
    names = [c.name for c in columns]
    if override is not None:
        return [c for c in override if c in names]
    exclude = set(cfg.get("facet_exclude", []))
    chosen = [c for c in cfg.get("facet_columns", []) if c in names and c not in exclude]
    for f in entry["schema"]["fields"]:
        enum = f.get("constraints", {}).get("enum")
        small_enum = enum and len(enum) <= cfg.get("facet_max_enum", 8)
        if small_enum and f["name"] not in exclude and f["name"] not in chosen:
            chosen.append(f["name"])
    return chosen[: cfg.get("facet_max_per_table", 4)]


def _fts_columns(name: str, columns: tuple[Column, ...], cfg: dict) -> list[str]:
    if cfg.get("tables", {}).get(name, {}).get("fts") is False:
        return []
    suffixes = tuple(cfg.get("fts_column_suffixes", []))
    names = set(cfg.get("fts_column_names", []))
    return [
        c.name
        for c in columns
        if c.type == "string" and (c.name in names or (suffixes and c.name.endswith(suffixes)))
    ]


def _sort(name: str, columns: tuple[Column, ...], cfg: dict) -> tuple[str | None, str | None]:
    """(sort_desc, sort): a table's default order, newest or largest first unless it has an
    ascending `sort` override (e.g. a rank)."""
    override = cfg.get("tables", {}).get(name, {})
    names = [c.name for c in columns]
    if override.get("sort") in names:
        return None, override["sort"]
    if override.get("sort_desc") in names:
        return override["sort_desc"], None
    for candidate in cfg.get("sort_desc_preference", []):
        if candidate in names:
            return candidate, None
    return None, None


def _label_column(name: str, columns: tuple[Column, ...], cfg: dict, fk_cols: set) -> str | None:
    override = cfg.get("tables", {}).get(name, {}).get("label_column")
    names = [c.name for c in columns]
    if override in names:
        return override
    for c in columns:
        if c.name.endswith("_name") and c.type == "string" and c.name not in fk_cols:
            return c.name
    return None


def table_plans(data_dir: Path, descriptor: dict[str, Any] | None = None) -> list[TablePlan]:
    """One plan per resource of the built package, in descriptor order."""
    descriptor = descriptor or read_built_descriptor(data_dir)
    cfg = site_config()
    present = {e["name"]: e for e in table_resources(descriptor)}
    plans = []
    for entry in table_resources(descriptor):
        name = entry["name"]
        schema = entry["schema"]
        columns = _columns(entry)
        names = [c.name for c in columns]
        pk = schema.get("primaryKey", [])
        pk = (pk,) if isinstance(pk, str) else tuple(pk)
        unique = tuple(
            f["name"]
            for f in schema["fields"]
            if f.get("constraints", {}).get("unique") and (f["name"],) != pk
        )
        fks = _foreign_keys(entry, present)
        fk_cols = {c for fk in fks for c in fk.columns}
        facets = _facets(name, columns, entry, cfg)
        sort_desc, sort = _sort(name, columns, cfg)
        indexed: list[str] = []
        wanted = [
            *[fk.columns[0] for fk in fks],
            *[c for c in cfg.get("index_columns", []) if c in names],
            *facets,
            *[c for c in (sort_desc, sort) if c],
        ]
        for col in wanted:
            # The leading primary-key column and unique columns already have an index.
            if col not in indexed and (not pk or col != pk[0]) and col not in unique:
                indexed.append(col)
        plans.append(
            TablePlan(
                name=name,
                title=entry.get("title", name),
                description=entry.get("description", ""),
                csv_path=resource_csv_path(data_dir, entry),
                columns=columns,
                primary_key=pk,
                unique=unique,
                foreign_keys=fks,
                indexes=tuple(indexed),
                fts_columns=tuple(_fts_columns(name, columns, cfg)),
                facets=tuple(facets),
                sort_desc=sort_desc,
                sort=sort,
                label_column=_label_column(name, columns, cfg, fk_cols),
                descriptor=entry,
            )
        )
    return plans
