"""Content digests of tables: one definition, the same digest from CSV, Parquet and SQLite."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ice_cbp_awards.publish.sqlite import write_database
from ice_cbp_awards.release.digest import (
    DigestError,
    open_readonly,
    sqlite_digest,
    table_digest,
    usd_text,
)
from ice_cbp_awards.release.parquet import write_parquet
from ice_cbp_awards.tables import read_csv_table

SCHEMA = {
    "fields": [
        {"name": "item_id", "type": "string", "description": "Id."},
        {"name": "note_text", "type": "string", "description": "Free text."},
        {"name": "line_count", "type": "integer", "description": "A count."},
        {"name": "is_active", "type": "boolean", "description": "A flag."},
        {"name": "action_date", "type": "date", "description": "A date."},
        {"name": "retrieved_at", "type": "datetime", "description": "A time."},
        {"name": "amount_usd", "type": "number", "unit": "USD", "description": "Money."},
        {"name": "share_ratio", "type": "number", "description": "A ratio."},
    ],
    "primaryKey": ["item_id"],
}
# Text that needs escaping (tab, newline, backslash, a literal \N), non-ASCII, missing values.
CSV = (
    "item_id,note_text,line_count,is_active,action_date,retrieved_at,amount_usd,share_ratio\n"
    'b-2,"tab\there, line\nthere",-3,false,2025-10-01,2026-08-22T10:00:00Z,-2.32,0.5\n'
    "a-1,Café \\N back\\slash,12,true,2026-01-05,2026-08-22T10:00:01Z,100.0,1\n"
    "c-3,,,,,,0,\n"
    "d-4,plain,0,true,2024-02-29,2025-01-01T00:00:00Z,98000000.05,1e20\n"
)


def _spec_digest(rows: list[list[str | None]], names: list[str]) -> str:
    """The documented definition, written out independently of the implementation."""

    def esc(value: str | None) -> str:
        if value is None:
            return "\\N"
        return (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )

    lines = sorted("\t".join(esc(v) for v in row) + "\n" for row in rows)
    text = "\t".join(names) + "\n" + "".join(lines)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


EXPECTED_ROWS = [
    ["b-2", "tab\there, line\nthere", "-3", "false", "2025-10-01", "2026-08-22T10:00:00Z",
     "-2.32", "0.5"],
    ["a-1", "Café \\N back\\slash", "12", "true", "2026-01-05", "2026-08-22T10:00:01Z",
     "100.00", "1.0"],
    ["c-3", None, None, None, None, None, "0.00", None],
    ["d-4", "plain", "0", "true", "2024-02-29", "2025-01-01T00:00:00Z", "98000000.05", "1e+20"],
]  # fmt: skip


@pytest.fixture
def three_formats(tmp_path: Path) -> tuple[Path, Path, Path]:
    """The same table as the build writes it: CSV, Parquet and SQLite."""
    data = tmp_path / "build"
    data.mkdir()
    (data / "items.csv").write_text(CSV, encoding="utf-8")
    desc = {"name": "t", "resources": [{"name": "items", "path": "items.csv", "schema": SCHEMA}]}
    (data / "datapackage.json").write_text(json.dumps(desc))
    write_parquet(data / "items.csv", SCHEMA, data / "items.parquet")
    write_database(data, data / "t.db")
    return data / "items.csv", data / "items.parquet", data / "t.db"


def test_the_digest_is_the_documented_one_and_the_same_in_every_format(three_formats) -> None:
    csv_path, parquet_path, db_path = three_formats
    expected = _spec_digest(EXPECTED_ROWS, [f["name"] for f in SCHEMA["fields"]])
    assert table_digest(read_csv_table(csv_path, SCHEMA), SCHEMA) == expected
    assert table_digest(pq.read_table(parquet_path), SCHEMA) == expected
    with open_readonly(db_path) as conn:
        assert sqlite_digest(conn, "items", SCHEMA) == expected
    assert sorted(p.name for p in db_path.parent.iterdir()) == [
        "datapackage.json",
        "items.csv",
        "items.parquet",
        "t.db",
    ]  # fmt: skip  (reading left no journal beside the database)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE items SET amount_usd = 100000100.0 WHERE item_id = 'a-1'",  # +$100 million
        "UPDATE items SET amount_usd = 100.004 WHERE item_id = 'a-1'",  # below a cent
        "UPDATE items SET line_count = 'twelve' WHERE item_id = 'a-1'",  # text, not integer
        "UPDATE items SET note_text = '' WHERE item_id = 'c-3'",  # empty text, not missing
        "UPDATE items SET is_active = 2 WHERE item_id = 'a-1'",
        "DELETE FROM items WHERE item_id = 'c-3'",
        "INSERT INTO items (item_id, amount_usd) VALUES ('e-5', 1.0)",
    ],
)
def test_any_edit_of_the_database_changes_its_digest(three_formats, tmp_path, sql: str) -> None:
    csv_path, _, db_path = three_formats
    edited = tmp_path / "edited.db"
    edited.write_bytes(db_path.read_bytes())
    with sqlite3.connect(edited) as conn:
        conn.execute(sql)
    with open_readonly(edited) as conn:
        assert sqlite_digest(conn, "items", SCHEMA) != table_digest(
            read_csv_table(csv_path, SCHEMA), SCHEMA
        )


def test_a_missing_table_or_column_is_named(three_formats) -> None:
    _, _, db_path = three_formats
    with open_readonly(db_path) as conn:
        with pytest.raises(DigestError, match="no table 'other'"):
            sqlite_digest(conn, "other", SCHEMA)
        wider = {"fields": [*SCHEMA["fields"], {"name": "extra_code", "type": "string"}]}
        with pytest.raises(DigestError, match="lacks columns \\['extra_code'\\]"):
            sqlite_digest(conn, "items", wider)


def test_usd_text_is_exact_to_the_cent() -> None:
    assert [usd_text(v) for v in (100.0, -2.32, 0.0, -0.0, 75.25, 98000000.05, 7)] == [
        "100.00", "-2.32", "0.00", "0.00", "75.25", "98000000.05", "7.00"
    ]  # fmt: skip
    assert usd_text(100.004) == "100.004" and usd_text(0.1 + 0.2) == "0.30000000000000004"
    assert usd_text("100.00x") == "100.00x"


def test_one_column_and_no_rows_follow_the_definition() -> None:
    import pyarrow as pa

    schema = {"fields": [{"name": "a_code", "type": "string"}]}
    table = pa.table({"a_code": pa.array(["y", "x", None])})
    assert table_digest(table, schema) == _spec_digest([["y"], ["x"], [None]], ["a_code"])
    assert table_digest(table.slice(0, 0), schema) == _spec_digest([], ["a_code"])
