"""The CSV writer (write/csv.py) takes a table's rows in key order a block at a time, by
threads, instead of copying every row at once: the bytes must be those of the whole sorted
frame written in one piece, for any block size, on every kind of column the schemas declare
(text with quotes, commas, line breaks and non-ASCII letters, dates, missing integers,
booleans, amounts) and on a key of two columns that repeats."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from ice_cbp_awards.metadata import resource
from ice_cbp_awards.write import csv as csv_writer

TEXTS = ["plain", 'with "quotes"', "a, comma", "two\nlines", "Café", ""]


def _rejects(n: int) -> pd.DataFrame:
    """Rows of the rejects table (key: source_id, raw_line_number, reason_code), shuffled,
    some keys sharing their first two columns."""
    rng = np.random.default_rng(7)
    lines = rng.integers(2, n // 3 + 3, size=n)
    return pd.DataFrame(
        {
            "source_id": pd.array(rng.choice(["b/fy2023", "a/fy2022", "c"], size=n), dtype="str"),
            "raw_line_number": lines.astype("int64"),
            "file_fiscal_year": pd.array(
                [None if i % 5 == 0 else 2020 + i % 4 for i in range(n)], dtype="Int64"
            ),
            "agency_raw": pd.array(rng.choice(["ICE", "CBP", ""], size=n), dtype="str"),
            "reason_code": pd.array([f"code_{i}" for i in range(n)], dtype="str"),
            "reason_detail": pd.array(rng.choice(TEXTS, size=n), dtype="str"),
            "raw_values_json": pd.array([f'{{"n": {i}}}' for i in range(n)], dtype="str"),
        },
        index=rng.permutation(n),
    )


def _awards(n: int) -> pd.DataFrame:
    """Rows of the awards table: dates, booleans, amounts and missing values among them."""
    res = resource("awards")
    rng = np.random.default_rng(11)
    columns: dict[str, object] = {}
    for f in res.fields:
        name, kind = f["name"], f["type"]
        if kind == "date":
            days = pd.to_datetime("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), "D")
            columns[name] = pd.Series(days).where(rng.random(n) > 0.1)
        elif kind == "boolean":
            columns[name] = pd.array(rng.random(n) > 0.5, dtype="boolean")
        elif kind == "integer":
            columns[name] = pd.array(rng.integers(0, 5, n), dtype="Int64")
        elif kind == "number":
            columns[name] = np.round(rng.normal(0, 1e6, n), 2)
        else:
            columns[name] = pd.array(rng.choice(TEXTS, size=n), dtype="str")
    key = res.primary_key[0]
    columns[key] = pd.array([f"CONT_AWD_{i:06d}" for i in rng.permutation(n)], dtype="str")
    return pd.DataFrame(columns)


def _one_piece(frame: pd.DataFrame, name: str, path: Path) -> bytes:
    """The frame as the writer wrote it before taking rows in blocks: the whole sorted frame,
    converted, then written by Arrow in one call."""
    res = resource(name)
    out = frame[res.field_names].sort_values(res.primary_key, kind="stable")
    out = out.reset_index(drop=True).copy()
    for f in res.fields:
        col = out[f["name"]]
        if f["type"] == "date" and pd.api.types.is_datetime64_any_dtype(col):
            out[f["name"]] = col.dt.strftime("%Y-%m-%d").fillna("")
        elif f["type"] == "boolean":
            out[f["name"]] = col.map({True: "true", False: "false"}).fillna("")
    table = pa.Table.from_pandas(out, preserve_index=False)
    options = pacsv.WriteOptions(include_header=True, quoting_style="needed")
    pacsv.write_csv(table, str(path), write_options=options)
    return path.read_bytes()


@pytest.mark.parametrize("block_rows", [1, 7, 64, 10_000])
@pytest.mark.parametrize("table", ["rejects", "awards"])
def test_blocks_of_any_size_give_the_bytes_of_one_piece(
    table: str, block_rows: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = _rejects(300) if table == "rejects" else _awards(300)
    expected = _one_piece(frame, table, tmp_path / "one.csv")
    monkeypatch.setattr(csv_writer, "BLOCK_ROWS", block_rows)
    csv_writer.write_csv(frame, resource(table), tmp_path / "blocks.csv")
    assert (tmp_path / "blocks.csv").read_bytes() == expected
    assert expected.count(b"\n") > 300  # a header, the rows, and line breaks inside values


def test_an_empty_table_is_its_header(tmp_path: Path) -> None:
    frame = _rejects(3).iloc[0:0]
    csv_writer.write_csv(frame, resource("rejects"), tmp_path / "e.csv")
    header = ",".join(f'"{n}"' for n in resource("rejects").field_names)
    assert (tmp_path / "e.csv").read_text() == header + "\n"
