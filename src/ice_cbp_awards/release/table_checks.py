"""Table Schema constraints checked on Arrow tables: fast enough to run on every verify.

The CSV was already parsed to its schema's types (parquet.read_csv_table), so what remains is
the constraints: required, enum, pattern, minimum/maximum, minLength/maxLength, unique, the
primary key and the foreign keys. Each problem names the resource, the first offending row
(1 = first data row) and the value. Frictionless remains available as the reference
validator (`awards verify --frictionless`); this check exists so that a reader can verify a
release in seconds.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Mapping
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc


def _first(mask: pa.Array) -> int:
    """1-based index of the first true value of a boolean mask (nulls count as false)."""
    idx = pc.indices_nonzero(pc.fill_null(mask, False))
    return int(idx[0].as_py()) + 1 if len(idx) else 0


def _problem(name: str, field: str, row: int, column: pa.Array, what: str) -> str:
    value = column[row - 1].as_py()
    return f"{name}, row {row}, {field}: {value!r} {what}"


def _scalar(value: Any, type_: pa.DataType) -> pa.Scalar:
    """A schema bound (number or ISO date text) as a scalar of the column's type."""
    if pa.types.is_date(type_):
        return pa.scalar(dt.date.fromisoformat(str(value)), type_)
    if pa.types.is_decimal(type_):
        return pa.scalar(decimal.Decimal(str(value)), type_)
    return pa.scalar(value).cast(type_)


def field_problems(name: str, table: pa.Table, field: Mapping[str, Any]) -> list[str]:
    """Constraint violations of one field (first offending row per constraint)."""
    col = table[field["name"]].combine_chunks()
    cons = field.get("constraints", {})
    fname = field["name"]
    out = []
    if cons.get("required") and col.null_count:
        row = _first(pc.is_null(col))
        out.append(f"{name}, row {row}, {fname}: missing, but required")
    if "enum" in cons and len(col):
        allowed = pa.array(cons["enum"]).cast(col.type)
        bad = pc.and_(pc.is_valid(col), pc.invert(pc.is_in(col, value_set=allowed)))
        if (row := _first(bad)) > 0:
            out.append(_problem(name, fname, row, col, f"is not one of {cons['enum']}"))
    if "pattern" in cons and pa.types.is_string(col.type):
        ok = pc.match_substring_regex(col, f"^(?:{cons['pattern']})$")
        if (row := _first(pc.invert(ok))) > 0:
            out.append(_problem(name, fname, row, col, f"does not match {cons['pattern']}"))
    for key, cmp, word in (("minimum", pc.less, "below"), ("maximum", pc.greater, "above")):
        if key in cons and not pa.types.is_string(col.type):
            bad = cmp(col, _scalar(cons[key], col.type))
            if (row := _first(bad)) > 0:
                out.append(_problem(name, fname, row, col, f"is {word} the {key} {cons[key]}"))
    for key, cmp in (("minLength", pc.less), ("maxLength", pc.greater)):
        if key not in cons or not pa.types.is_string(col.type):
            continue
        if (row := _first(cmp(pc.utf8_length(col), cons[key]))) > 0:
            out.append(_problem(name, fname, row, col, f"breaks {key} {cons[key]}"))
    if cons.get("unique"):
        out += _duplicates(name, table.select([fname]), f"{fname} (unique)")
    return out


def _duplicates(name: str, keys: pa.Table, label: str) -> list[str]:
    """A problem when a key (ignoring rows with a null part) repeats."""
    present = keys
    for col in keys.column_names:
        present = present.filter(pc.is_valid(present[col]))
    counts = present.group_by(keys.column_names).aggregate([([], "count_all")])
    dup = counts.filter(pc.greater(counts["count_all"], 1))
    if dup.num_rows == 0:
        return []
    example = {c: dup[c][0].as_py() for c in keys.column_names}
    return [f"{name}: {label} repeats, e.g. {example} ({dup.num_rows} repeated keys)"]


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def table_problems(name: str, table: pa.Table, schema: Mapping[str, Any]) -> list[str]:
    """Every field constraint and the primary key of one resource."""
    out = []
    for field in schema["fields"]:
        out += field_problems(name, table, field)
    pk = _as_list(schema.get("primaryKey", []))
    if pk:
        out += _duplicates(name, table.select(pk), f"primary key {pk}")
    return out


def foreign_key_problems(
    name: str,
    table: pa.Table,
    schema: Mapping[str, Any],
    tables: Mapping[str, pa.Table],
) -> list[str]:
    """Values of each foreign key that are missing from the referenced resource."""
    out = []
    for fk in schema.get("foreignKeys", []):
        fields = _as_list(fk["fields"])
        ref = fk["reference"]
        target = tables.get(ref.get("resource") or name)
        if target is None:
            out.append(f"{name}: foreign key {fields} refers to missing resource {ref['resource']}")
            continue
        ref_fields = _as_list(ref["fields"])
        left = table.select(fields)
        for col in fields:
            left = left.filter(pc.is_valid(left[col]))
        right = target.select(ref_fields).rename_columns(fields).group_by(fields).aggregate([])
        right = right.append_column("_found", pa.repeat(True, right.num_rows))
        joined = left.join(right, keys=fields, join_type="left outer")
        missing = joined.filter(pc.is_null(joined["_found"]))
        if missing.num_rows:
            example = {c: missing[c][0].as_py() for c in fields}
            out.append(
                f"{name}: foreign key {fields} -> {ref.get('resource') or name}{ref_fields}: "
                f"{missing.num_rows} rows point nowhere, e.g. {example}"
            )
    return out
