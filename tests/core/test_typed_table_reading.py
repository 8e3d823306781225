"""A published CSV read as an exactly typed Arrow table (releases, `verify`, Parquet)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
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


def test_parts_joined_from_blocks_hold_every_row_once_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large CSV is read a small block at a time and its blocks joined into parts of about
    part_bytes: every row comes once, in the file's order, indexed by its position in the
    whole file; a part joins part_bytes // READ_BLOCK_BYTES blocks."""
    from ice_cbp_awards import metadata

    res = metadata.resource("sources")
    names = res.field_names
    rows = [",".join(f"{n}{i}" if n == "source_id" else "" for n in names) for i in range(500)]
    (tmp_path / "sources.csv").write_text("\n".join([",".join(names), *rows]) + "\n")
    whole = tables.read_frame(tmp_path, res)
    blocks = []
    monkeypatch.setattr(tables, "READ_BLOCK_BYTES", 256)
    for part_bytes in (256, 1024):
        parts = list(tables.read_frame_parts(tmp_path, res, part_bytes))
        blocks.append(len(parts))
        joined = pd.concat(parts)
        assert joined["source_id"].tolist() == [f"source_id{i}" for i in range(500)]
        assert joined.index.tolist() == list(range(500))
        assert joined.equals(whole)
    assert blocks[0] > 10
    assert blocks[1] == -(-blocks[0] // 4)
