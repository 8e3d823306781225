"""A published CSV read as an exactly typed Arrow table (releases, `verify`, Parquet)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ice_cbp_awards import tables

SCHEMA = {
    "fields": [
        {"name": "n", "type": "integer"},
        {"name": "description", "type": "string"},
    ]
}


def test_values_over_several_lines_are_read_across_block_boundaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A description may hold line breaks (the CSV quotes it); Arrow's reader must not assume a
    line break ends a row when it cuts the file into blocks, wherever the blocks fall."""
    monkeypatch.setattr(tables, "TABLE_BLOCK_BYTES", 1 << 12)
    lines = ["n,description"] + [f'{i},"line one of {i}\nline two"' for i in range(2000)]
    path = tmp_path / "t.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = tables.read_csv_table(path, SCHEMA)
    assert table.num_rows == 2000
    assert table.column("description")[1999].as_py() == "line one of 1999\nline two"
    assert table.column("n").to_pylist() == list(range(2000))
