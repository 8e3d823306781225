"""The one reading of a Table Schema field's type and constraints into the tools' terms.

Every module that needs a field as an Arrow type, a pandas dtype, a SQLite column type or a
regular expression that must match a whole value asks here; no other module holds a type map
or anchors a pattern. The mapping, once:

| Table Schema             | Arrow / Parquet        | pandas (in memory)   | SQLite  |
|--------------------------|------------------------|----------------------|---------|
| string (any format)      | string                 | str                  | TEXT    |
| integer, year            | int64                  | Int64 (nullable)     | INTEGER |
| number, unit USD         | decimal128(20, 2)      | float64              | REAL    |
| number                   | float64                | float64              | REAL    |
| boolean                  | bool                   | boolean (nullable)   | INTEGER |
| date                     | date32                 | datetime64[ns]       | TEXT    |
| datetime                 | timestamp[us, UTC]     | str                  | TEXT    |

USD amounts are exact cents in Arrow and Parquet (sums do not drift as float sums do); SQLite
has no decimal type, and its REAL holds every amount within the schema's bounds to the cent.
Dates and datetimes stay ISO text in SQLite, where text compares in date order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

USD_ARROW_TYPE = pa.decimal128(20, 2)
DATETIME_ARROW_TYPE = pa.timestamp("us", tz="UTC")  # Parquet has no seconds unit
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
DATE_FORMAT = "%Y-%m-%d"
TRUE_VALUES = ["true", "True", "TRUE", "1"]  # the Table Schema defaults
FALSE_VALUES = ["false", "False", "FALSE", "0"]

_INTEGER_TYPES = ("integer", "year")
_CAPTURING_GROUP = re.compile(r"\((?!\?)")

Field = Mapping[str, Any]


def field_type(field: Field) -> str:
    """The field's Table Schema type ("string" when none is given, as the spec says)."""
    return field.get("type", "string")


def is_usd(field: Field) -> bool:
    return field_type(field) == "number" and field.get("unit") == "USD"


def value_kind(field: Field) -> str:
    """What a field's values are, in the few kinds the package converts between: "integer"
    (integer and year), "usd" (a number in USD), "number", "boolean", "date", "datetime" and
    "string" (every other type, kept as its text)."""
    ftype = field_type(field)
    if ftype in _INTEGER_TYPES:
        return "integer"
    if ftype == "number":
        return "usd" if is_usd(field) else "number"
    if ftype in ("boolean", "date", "datetime"):
        return ftype
    return "string"


@dataclass(frozen=True)
class KindTypes:
    """A value kind in each tool: Arrow/Parquet (exact), Arrow as read for pandas, pandas in
    memory, SQLite column."""

    arrow: pa.DataType
    arrow_read: pa.DataType
    pandas: str
    sqlite: str


# The one type map of the package (the table in this module's docstring).
KIND_TYPES = {
    "integer": KindTypes(pa.int64(), pa.int64(), "Int64", "INTEGER"),
    "usd": KindTypes(USD_ARROW_TYPE, pa.float64(), "float64", "REAL"),
    "number": KindTypes(pa.float64(), pa.float64(), "float64", "REAL"),
    "boolean": KindTypes(pa.bool_(), pa.bool_(), "boolean", "INTEGER"),
    "date": KindTypes(pa.date32(), pa.string(), "datetime64[ns]", "TEXT"),
    "datetime": KindTypes(DATETIME_ARROW_TYPE, pa.string(), "str", "TEXT"),
    "string": KindTypes(pa.string(), pa.string(), "str", "TEXT"),
}


def arrow_type(field: Field) -> pa.DataType:
    """The Arrow (and Parquet) type of a field's values."""
    return KIND_TYPES[value_kind(field)].arrow


def arrow_read_type(field: Field) -> pa.DataType:
    """The Arrow type a CSV column is read as for the pandas tools: their types, not the exact
    Parquet ones (USD as float64, dates and datetimes as text, parsed after reading)."""
    return KIND_TYPES[value_kind(field)].arrow_read


def pandas_dtype(field: Field) -> str:
    """The pandas dtype a field's column has in memory (dates as datetime64, missing as NA)."""
    return KIND_TYPES[value_kind(field)].pandas


def sqlite_type(field: Field) -> str:
    """The declared SQLite column type (booleans as 0/1, dates as ISO text)."""
    return KIND_TYPES[value_kind(field)].sqlite


def boolean_values(
    field: Field, schema: Mapping[str, Any] | None = None
) -> tuple[list[str], list[str]]:
    """The texts a boolean field reads as true and as false: the field's own, else its
    schema's, else the Table Schema defaults."""
    schema = schema or {}
    return (
        list(field.get("trueValues", schema.get("trueValues", TRUE_VALUES))),
        list(field.get("falseValues", schema.get("falseValues", FALSE_VALUES))),
    )


def whole_value_regex(pattern: str) -> str:
    """A schema pattern as a regex that must match the whole value, in Python's `re` and in RE2
    (Arrow) alike: the Table Schema says a pattern matches the whole value, while `re.search`,
    `str.contains` and RE2's match_substring look anywhere. Groups become non-capturing, so
    pandas does not warn about match groups and the anchors bind the whole alternation."""
    return "^(?:" + _CAPTURING_GROUP.sub("(?:", pattern) + ")$"
