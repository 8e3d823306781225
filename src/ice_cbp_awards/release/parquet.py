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

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from ..tables import read_csv_table

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
