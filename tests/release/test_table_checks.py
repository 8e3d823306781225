"""The Arrow constraint checks behind `awards verify`, one constraint at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

from ice_cbp_awards.release.parquet import read_csv_table
from ice_cbp_awards.release.table_checks import foreign_key_problems, table_problems

SCHEMA = {
    "fields": [
        {"name": "id", "type": "string", "constraints": {"required": True, "unique": True,
                                                         "pattern": "tx-[0-9]+"}},
        {"name": "parent_id", "type": "string"},
        {"name": "year", "type": "integer", "constraints": {"minimum": 2000, "maximum": 2100}},
        {"name": "amount_usd", "type": "number", "unit": "USD", "constraints": {"minimum": 0}},
        {"name": "day", "type": "date", "constraints": {"minimum": "2020-01-01"}},
        {"name": "code", "type": "string", "constraints": {"maxLength": 4, "enum": ["A", "BB"]}},
    ],
    "primaryKey": ["id"],
    "foreignKeys": [{"fields": "parent_id", "reference": {"resource": "", "fields": "id"}}],
}  # fmt: skip
GOOD = [
    ["tx-1", "", "2024", "1.50", "2024-01-02", "A"],
    ["tx-2", "tx-1", "2025", "0", "2025-05-05", "BB"],
    ["tx-3", "tx-2", "", "", "", ""],
]


def problems(tmp_path: Path, rows: list[list[str]]) -> list[str]:
    path = tmp_path / "t.csv"
    header = ",".join(f["name"] for f in SCHEMA["fields"])
    path.write_text(header + "\n" + "".join(",".join(r) + "\n" for r in rows))
    table = read_csv_table(path, SCHEMA)
    return table_problems("t", table, SCHEMA) + foreign_key_problems(
        "t", table, SCHEMA, {"t": table}
    )


def test_a_good_table_has_no_problems(tmp_path: Path) -> None:
    assert problems(tmp_path, GOOD) == []


@pytest.mark.parametrize(
    ("row", "col", "value", "expected"),
    [
        (2, 0, "", "t, row 3, id: missing, but required"),
        (2, 0, "tx-1", "primary key ['id'] repeats"),
        (2, 0, "tx-1", "id (unique) repeats"),
        (2, 0, "TX-3", "t, row 3, id: 'TX-3' does not match tx-[0-9]+"),
        (1, 2, "1999", "t, row 2, year: 1999 is below the minimum 2000"),
        (1, 2, "2101", "t, row 2, year: 2101 is above the maximum 2100"),
        (1, 3, "-0.01", "t, row 2, amount_usd: Decimal('-0.01') is below the minimum 0"),
        (1, 4, "2019-12-31", "t, row 2, day: datetime.date(2019, 12, 31) is below the minimum"),
        (1, 5, "C", "t, row 2, code: 'C' is not one of ['A', 'BB']"),
        (1, 1, "tx-9", "t: foreign key ['parent_id'] -> t['id']: 1 rows point nowhere"),
    ],
)
def test_each_constraint_is_checked(
    tmp_path: Path, row: int, col: int, value: str, expected: str
) -> None:
    rows = [list(r) for r in GOOD]
    rows[row][col] = value
    found = problems(tmp_path, rows)
    assert any(p.startswith(expected) or expected in p for p in found), found


def test_max_length(tmp_path: Path) -> None:
    schema_enum = SCHEMA["fields"][5]["constraints"]
    enum = schema_enum.pop("enum")
    try:
        rows = [list(r) for r in GOOD]
        rows[0][5] = "ABCDE"
        assert "t, row 1, code: 'ABCDE' breaks maxLength 4" in problems(tmp_path, rows)
    finally:
        schema_enum["enum"] = enum
