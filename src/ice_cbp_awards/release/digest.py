"""Content digests: one per published table, the same whether read from CSV, Parquet or SQLite.

A release carries each table three times (CSV, Parquet, SQLite). Checksums prove that files
are the files listed, not that the three say the same thing: a database edited after the
build, with SHA256SUMS and the descriptor re-hashed, still matches every checksum. The content
digest compares what the files *hold*, independently of the container.

Content digest of a table (``content_digest`` of its resource in datapackage.json):
``sha256:`` and the hex SHA-256 of this UTF-8 text:

- first line: the schema's field names, in schema order, separated by TAB;
- then one line per row, the rows sorted by the bytes of their lines (Python's ``sorted`` on
  the line strings, each including its final LF);
- every line ends with LF; a row's line is its values in schema order, separated by TAB,
  each written as:

  ======================  ==============================================================
  missing (CSV "")        ``\\N``
  string                  the text itself
  integer, year           decimal digits, ``-`` for a negative value
  boolean                 ``true`` or ``false``
  date                    ``YYYY-MM-DD``
  datetime                ``YYYY-MM-DDTHH:MM:SSZ`` (UTC)
  number with unit USD    exact, with two decimals: ``-2.32``, ``0.00``, ``100.00``
  other number            the shortest text that reads back as the same 64-bit float
                          (Python ``repr``: ``0.5``, ``1.0``, ``1e+20``)
  ======================  ==============================================================

  and then, in that text, ``\\`` is written ``\\\\``, TAB ``\\t``, LF ``\\n`` and CR ``\\r``.

A value that is not of its column's type (text in an INTEGER column, a float with more than
two decimals in a USD column) is written as Python's ``str``/``repr`` of it, so it never
digests like the correct value.

Release digest (printed by `awards release`, written beside the citation in CITATION.cff,
.zenodo.json and README.md, checked by `awards verify --expect-digest`): ``sha256:`` and the
hex SHA-256 of the lines of SHA256SUMS (``<sha256>  <path>`` LF, sorted by path) of every file
of the release except SHA256SUMS and the three files that carry the digest. Without this
package: ``grep -vE '  (CITATION\\.cff|\\.zenodo\\.json|README\\.md)$' SHA256SUMS | sha256sum``.
It covers datapackage.json, so every table's content digest, and every data file's bytes.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..metadata.types import DATETIME_FORMAT, is_usd, value_kind
from .checksums import SUMS_NAME, release_files, sha256_file

DIGEST_KEY = "content_digest"
CITING_FILES = ("CITATION.cff", ".zenodo.json", "README.md")
NULL = "\\N"
_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))


class DigestError(ValueError):
    """A table that cannot be digested (a missing column or table)."""


# -- the canonical text of one value ------------------------------------------------------------


def usd_text(value: Any) -> str:
    """An amount in USD with exactly two decimals; anything finer is written as found."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return str(value)
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        return repr(value)
    if not number.is_finite() or number.as_tuple().exponent < -2:  # type: ignore[operator]
        return repr(value)
    return f"{(number if number else Decimal(0)):.2f}"


def float_text(value: Any) -> str:
    """A non-USD number: the shortest text that reads back as the same float."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return repr(float(value))


def _sqlite_converter(field: Mapping[str, Any]) -> Callable[[Any], str]:
    """How a value read from SQLite (int, float, str) is written in the canonical text."""
    kind = value_kind(field)
    if kind == "boolean":
        return lambda v: {1: "true", 0: "false"}.get(v, str(v)) if type(v) is int else str(v)
    if kind == "integer":
        return lambda v: str(v) if type(v) is int else repr(v)
    if kind in ("usd", "number"):
        return usd_text if kind == "usd" else float_text
    return lambda v: v if isinstance(v, str) else repr(v)


# -- columns as canonical text --------------------------------------------------------------------


def arrow_text(column: pa.Array | pa.ChunkedArray, field: Mapping[str, Any]) -> pa.Array:
    """One typed Arrow column (from the CSV or the Parquet file) as canonical text, nulls kept."""
    col = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    t = col.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return col.cast(pa.string())
    if pa.types.is_boolean(t):
        return pc.if_else(col, "true", "false")
    if pa.types.is_integer(t) or pa.types.is_date(t):
        return pc.cast(col, pa.string())
    if pa.types.is_decimal(t):
        if is_usd(field) and t.scale == 2:
            return pc.cast(col, pa.string())
        return pa.array([None if v is None else usd_text(v) for v in col.to_pylist()], pa.string())
    if pa.types.is_timestamp(t):
        utc = col.cast(pa.timestamp(t.unit, tz="UTC"))
        text = pc.strftime(utc, format=DATETIME_FORMAT)
        return pc.replace_substring_regex(text, pattern=r"\.0+Z$", replacement="Z")
    convert = usd_text if is_usd(field) else float_text
    if not pa.types.is_floating(t):
        convert = str
    return pa.array([None if v is None else convert(v) for v in col.to_pylist()], pa.string())


def sqlite_text(values: list[Any], field: Mapping[str, Any]) -> pa.Array:
    """One column read from SQLite as canonical text, nulls kept."""
    if value_kind(field) in ("string", "date", "datetime"):
        try:
            return pa.array(values, pa.string())  # all text: nothing to convert
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
    convert = _sqlite_converter(field)
    return pa.array([None if v is None else convert(v) for v in values], pa.string())


# -- the digest -----------------------------------------------------------------------------------


def _escaped(text: pa.Array) -> pa.Array:
    """Backslash, TAB, LF and CR escaped, nulls as \\N (one scan when there is nothing to do)."""
    if pc.any(pc.match_substring_regex(text, r"[\\\t\n\r]")).as_py():
        for plain, escaped in _ESCAPES:
            text = pc.replace_substring(text, pattern=plain, replacement=escaped)
    return pc.fill_null(text, NULL)


def digest_text_columns(names: list[str], columns: list[pa.Array]) -> str:
    """The content digest of a table given as canonical text columns (see the module doc)."""
    h = hashlib.sha256()
    h.update(("\t".join(_escaped(pa.array(names, pa.string())).to_pylist()) + "\n").encode())
    if not columns or len(columns[0]) == 0:
        return f"sha256:{h.hexdigest()}"
    lines = pc.binary_join_element_wise(*[_escaped(c) for c in columns], "\t")
    lines = pc.binary_join_element_wise(lines, "", "\n").cast(pa.large_string())
    ordered = pc.take(lines, pc.sort_indices(lines))
    offsets = np.frombuffer(ordered.buffers()[1], dtype=np.int64)
    offsets = offsets[ordered.offset : ordered.offset + len(ordered) + 1]
    data = memoryview(ordered.buffers()[2])  # type: ignore[arg-type]
    h.update(data[int(offsets[0]) : int(offsets[-1])])
    return f"sha256:{h.hexdigest()}"


def table_digest(table: pa.Table, schema: Mapping[str, Any]) -> str:
    """Content digest of a typed Arrow table (a CSV read to its schema, or a Parquet file)."""
    fields = schema["fields"]
    missing = [f["name"] for f in fields if f["name"] not in table.column_names]
    if missing:
        raise DigestError(f"columns {missing} are missing")
    columns = [arrow_text(table[f["name"]], f) for f in fields]
    return digest_text_columns([f["name"] for f in fields], columns)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def open_readonly(db_path: Path) -> sqlite3.Connection:
    """A read-only connection that writes nothing beside the file (no journal, no WAL files)."""
    return sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)


def sqlite_digest(conn: sqlite3.Connection, table: str, schema: Mapping[str, Any]) -> str:
    """Content digest of a SQLite table, read with the schema's columns and types."""
    fields = schema["fields"]
    found = {r[1] for r in conn.execute(f"PRAGMA table_info({_quote(table)})")}
    if not found:
        raise DigestError(f"no table {table!r}")
    missing = [f["name"] for f in fields if f["name"] not in found]
    if missing:
        raise DigestError(f"table {table!r} lacks columns {missing}")
    cols = ", ".join(_quote(f["name"]) for f in fields)
    rows = conn.execute(f"SELECT {cols} FROM {_quote(table)}").fetchall()
    values = list(zip(*rows, strict=True)) if rows else [() for _ in fields]
    columns = [sqlite_text(list(v), f) for v, f in zip(values, fields, strict=True)]
    return digest_text_columns([f["name"] for f in fields], columns)


# -- the release digest ---------------------------------------------------------------------------


def digested_files(folder: Path, listed: Iterable[str] | None = None) -> list[str]:
    """The files the release digest covers: all but SHA256SUMS and the files that cite it.

    `listed` (the paths of SHA256SUMS) limits them to the release's own files: a file added
    beside them is reported by verify, not digested; a missing one is left out.
    """
    present = release_files(folder)
    if listed is not None:
        present = sorted(set(present) & set(listed))
    return [rel for rel in present if rel not in CITING_FILES and rel != SUMS_NAME]


def release_digest(folder: Path, listed: Iterable[str] | None = None) -> str:
    """The release digest of a release folder, from the bytes of its files (module doc)."""
    files = digested_files(folder, listed)
    text = "".join(f"{sha256_file(folder / rel)}  {rel}\n" for rel in files)
    return f"sha256:{hashlib.sha256(text.encode('utf-8')).hexdigest()}"
