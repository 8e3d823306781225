"""Parquet files typed from the Table Schemas, written so that re-runs are byte-identical.

Types are those of `metadata.types` (USD amounts as exact decimal cents). The CSV's
missing value "" becomes null in every column. Each Arrow field carries its description (and
unit) from the schema, and the file carries the whole Table Schema under the key
``frictionless:schema``, so a Parquet file explains itself.

Values are converted from the CSV text, never through a float, so the Parquet file holds
exactly what the CSV says; a value that does not fit its type stops the release with its
file, row and column named.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..metadata.types import DATETIME_FORMAT, FALSE_VALUES, TRUE_VALUES, arrow_type

SCHEMA_METADATA_KEY = b"frictionless:schema"
# Fixed writer settings: part of what makes a release reproducible.
WRITE_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 9,
    "version": "2.6",
    "data_page_version": "1.0",
    "use_dictionary": True,
    "write_statistics": True,
    "row_group_size": 1_000_000,
}


class ParquetError(ValueError):
    """A CSV value that does not fit the type its schema gives it."""


def arrow_schema(schema: Mapping[str, Any]) -> pa.Schema:
    """The Arrow schema of a resource: types, nullability and descriptions from its Table Schema."""
    fields = []
    for f in schema["fields"]:
        meta = {"description": f.get("description", "")}
        if "unit" in f:
            meta["unit"] = f["unit"]
        required = bool(f.get("constraints", {}).get("required", False))
        fields.append(pa.field(f["name"], arrow_type(f), nullable=not required, metadata=meta))
    payload = json.dumps(schema, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return pa.schema(fields, metadata={SCHEMA_METADATA_KEY: payload.encode("utf-8")})


def _first_bad(values: pa.Array, convert: Any) -> int:
    for i in range(len(values)):
        try:
            convert(values.slice(i, 1))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
            return i
    return -1


def _booleans(field: Mapping[str, Any]) -> Any:
    true_values = field.get("trueValues", TRUE_VALUES)
    false_values = field.get("falseValues", FALSE_VALUES)

    def convert(values: pa.Array) -> pa.Array:
        is_true = pc.is_in(values, pa.array(true_values))
        is_false = pc.is_in(values, pa.array(false_values))
        if not pc.all(pc.or_(is_true, is_false), min_count=0).as_py():  # empty: all valid
            raise ValueError("not one of the schema's true or false values")
        return is_true

    return convert


def _converter(field: Mapping[str, Any], target: pa.DataType) -> Any:
    if field.get("type") == "boolean":
        return _booleans(field)
    if field.get("type") == "datetime":
        return lambda v: pc.cast(pc.strptime(v, format=DATETIME_FORMAT, unit="s"), target)
    if pa.types.is_string(target):
        return lambda v: v
    return lambda v: pc.cast(v, target)


def convert_column(texts: pa.Array, field: Mapping[str, Any], where: str) -> pa.Array:
    """One CSV column (as text) converted to its Arrow type; "" becomes null."""
    target = arrow_type(field)
    texts = texts.combine_chunks() if isinstance(texts, pa.ChunkedArray) else texts
    present = pc.not_equal(texts, "")
    values = pc.filter(texts, present)
    convert = _converter(field, target)
    try:
        converted = convert(values)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError) as exc:
        bad = _first_bad(values, convert)
        row = int(pc.indices_nonzero(present)[bad].as_py()) + 1 if bad >= 0 else 0
        value = values[bad].as_py() if bad >= 0 else ""
        raise ParquetError(
            f"{where}, data row {row}, column {field['name']}: {value!r} is not a valid "
            f"{field.get('type')} for {target} ({exc})"
        ) from None
    # Put the converted values back at their positions; nulls where the text was "".
    positions = pc.subtract(pc.cumulative_sum(pc.cast(present, pa.int64())), 1)
    taken = pc.take(converted, pc.if_else(present, positions, pa.scalar(None, pa.int64())))
    return taken.cast(target)


def read_csv_table(csv_path: Path, schema: Mapping[str, Any]) -> pa.Table:
    """A published CSV as an Arrow table typed from its Table Schema.

    Raises ParquetError when the header differs from the schema's field names or a value does
    not fit its type.
    """
    names = [f["name"] for f in schema["fields"]]
    options = pacsv.ConvertOptions(
        column_types={n: pa.string() for n in names},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    read = pacsv.ReadOptions(block_size=1 << 26)
    try:
        raw = pacsv.read_csv(csv_path, read_options=read, convert_options=options)
    except pa.ArrowInvalid as exc:
        raise ParquetError(f"{csv_path}: cannot be read as CSV: {exc}") from None
    if raw.column_names != names:
        raise ParquetError(
            f"{csv_path}, row 1: header {raw.column_names} differs from the schema's fields {names}"
        )
    target = arrow_schema(schema)
    arrays = [convert_column(raw[f["name"]], f, str(csv_path)) for f in schema["fields"]]
    return pa.Table.from_arrays(arrays, schema=target)


def write_parquet(
    csv_path: Path,
    schema: Mapping[str, Any],
    out_path: Path,
    extra_metadata: Mapping[str, str] | None = None,
) -> int:
    """Write `csv_path` as Parquet at `out_path`; returns the number of rows.

    `extra_metadata` (e.g. resource name, data and schema version) is added to the file's
    key-value metadata in sorted order.
    """
    table = read_csv_table(csv_path, schema)
    meta = dict(table.schema.metadata or {})
    for key in sorted(extra_metadata or {}):
        meta[key.encode("utf-8")] = str(extra_metadata[key]).encode("utf-8")  # type: ignore[index]
    table = table.replace_schema_metadata(meta)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, out_path, **WRITE_OPTIONS)
    return table.num_rows
