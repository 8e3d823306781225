"""The field registry: every field of every Table Schema defined once, and the schemas made
from it.

`schemas/fields.yml` defines each field name once (type, format, description, unit,
constraints). `schemas/resources.yml` lists, per table, its fields by name, in order, with a
per-table override only where a field means something narrower in that table (e.g. unique
in its own table, a description naming the table's own rows), then its keys and foreign keys.
A field repeated from another table for convenience says `copied_from: <table>`: its meaning
is the registry's, and its description says where the value comes from.
The Table Schemas in `schemas/*.schema.json` are written from these two files by
`awards docs` and are compared with them by the tests, so they can never drift apart.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from .paths import SCHEMAS_DIR

FIELDS_FILE = "fields.yml"
RESOURCES_FILE = "resources.yml"
FIELD_KEYS = ["name", "type", "format", "description", "unit", "constraints"]
CONSTRAINT_KEYS = ["required", "unique", "minimum", "maximum", "enum", "pattern"]
SCHEMA_KEYS = ["fields", "primaryKey", "foreignKeys", "missingValues"]


class RegistryError(ValueError):
    """The registry is not well formed (a name twice, a field nowhere defined, an unknown key)."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML whose mappings refuse a key given twice (PyYAML keeps the last one silently)."""


def _unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise RegistryError(f"line {key_node.start_mark.line + 1}: `{key}` is defined twice")
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except RegistryError as exc:
        raise RegistryError(f"{path}: {exc}") from None


def registry(schemas_dir: Path = SCHEMAS_DIR) -> tuple[dict[str, Any], dict[str, Any]]:
    """(fields by name, resources by name) as written in the two registry files."""
    return read_yaml(schemas_dir / FIELDS_FILE), read_yaml(schemas_dir / RESOURCES_FILE)


def _ordered(d: dict[str, Any], keys: list[str], where: str) -> dict[str, Any]:
    unknown = [k for k in d if k not in keys]
    if unknown:
        raise RegistryError(f"{where}: unknown keys {unknown}")
    return {k: d[k] for k in keys if k in d}


def resolve_field(name: str, override: dict[str, Any] | None, fields: dict[str, Any],
                  where: str) -> dict[str, Any]:  # fmt: skip
    """A table's field: the registry's definition with the table's override on top (a key set
    to null in the override is dropped)."""
    if name not in fields:
        raise RegistryError(f"{where}: field `{name}` is not defined in {FIELDS_FILE}")
    same = [k for k, v in (override or {}).items() if fields[name].get(k) == v]
    if same:
        raise RegistryError(
            f"{where}: field `{name}` overrides {same} with the registry's own value: "
            "say it once, in fields.yml"
        )
    override = dict(override or {})
    if source := override.pop("copied_from", None):
        override["description"] = f"{fields[name]['description']} Copied from {source}."
    merged = {"name": name, **fields[name], **override}
    merged = {k: v for k, v in merged.items() if v is not None}
    if "constraints" in merged:
        merged["constraints"] = _ordered(merged["constraints"], CONSTRAINT_KEYS, where)
    return _ordered(merged, FIELD_KEYS, where)


def field_entry(item: str | dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """A table's field item: its name, and its override if it has one."""
    if isinstance(item, str):
        return item, None
    ((name, override),) = item.items()
    return name, override


def _field_names(res: dict[str, Any]) -> set[str]:
    return {field_entry(item)[0] for item in res.get("fields", [])}


def table_schema(name: str, fields: dict[str, Any], resources: dict[str, Any]) -> dict[str, Any]:
    """The Table Schema of one table, as the registry defines it."""
    res = resources[name]
    out = dict(res)
    where = f"{RESOURCES_FILE} {name}"
    for item in res["fields"]:
        field, override = field_entry(item)
        source = (override or {}).get("copied_from")
        if source and field not in _field_names(resources.get(source, {})):
            raise RegistryError(f"{where}: `{field}` is copied from {source}, which lacks it")
    out["fields"] = [resolve_field(*field_entry(item), fields, where) for item in res["fields"]]
    return _ordered(out, SCHEMA_KEYS, where)


def schema_text(schema: dict[str, Any]) -> str:
    """The file form of a Table Schema: one field per line, so that a diff shows one field."""

    def one(v: Any) -> str:
        return json.dumps(v, ensure_ascii=False)

    parts = []
    for key, value in schema.items():
        if key == "fields":
            body = ",\n".join(f"    {one(f)}" for f in value)
            parts.append(f'  "fields": [\n{body}\n  ]')
        else:
            parts.append(f"  {one(key)}: {one(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def generated_schemas(schemas_dir: Path = SCHEMAS_DIR) -> dict[Path, str]:
    """Every schema file's text as the registry makes it."""
    fields, resources = registry(schemas_dir)
    return {
        schemas_dir / f"{name}.schema.json": schema_text(table_schema(name, fields, resources))
        for name in resources
    }


def stale_schemas(schemas_dir: Path = SCHEMAS_DIR) -> list[str]:
    """Schema files that differ from the registry, or that the registry does not make."""
    made = generated_schemas(schemas_dir)
    stale = [p.name for p, text in made.items() if not p.is_file() or p.read_text() != text]
    extra = [p.name for p in schemas_dir.glob("*.schema.json") if p not in made]
    return sorted(stale + extra)


def write_schemas(schemas_dir: Path = SCHEMAS_DIR) -> list[Path]:
    """Write every schema file from the registry; the files whose text changed."""
    changed = []
    for path, text in generated_schemas(schemas_dir).items():
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed
