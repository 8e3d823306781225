"""Parquet typed from the Table Schemas, exact, self-describing and byte-reproducible."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ice_cbp_awards.metadata.types import arrow_type
from ice_cbp_awards.release.parquet import write_parquet
from ice_cbp_awards.tables import SCHEMA_METADATA_KEY, read_csv_table
from ice_cbp_awards.tables import TableTypeError as ParquetError

SCHEMA = {
    "fields": [
        {"name": "transaction_id", "type": "string", "description": "Id.",
         "constraints": {"required": True}},
        {"name": "federal_action_obligation_usd", "type": "number", "unit": "USD",
         "description": "Obligation."},
        {"name": "share", "type": "number", "description": "A plain number."},
        {"name": "action_date", "type": "date", "description": "Date."},
        {"name": "retrieved_at", "type": "datetime", "description": "Retrieved."},
        {"name": "fiscal_year", "type": "integer", "description": "Year."},
        {"name": "is_reseller", "type": "boolean", "description": "Flag."},
    ]
}  # fmt: skip
CSV = (
    "transaction_id,federal_action_obligation_usd,share,action_date,retrieved_at,fiscal_year,"
    "is_reseller\n"
    "tx-1,850361073.0,0.5,2025-10-01,2026-02-17T17:32:41Z,2026,true\n"
    "tx-2,-2.32,,,,,\n"
    "tx-3,0.1,1e3,2024-02-29,2026-08-22T10:27:03Z,2024,false\n"
)


@pytest.fixture
def csv_path(tmp_path: Path) -> Path:
    path = tmp_path / "t.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def test_types_come_from_the_schema(csv_path: Path) -> None:
    table = read_csv_table(csv_path, SCHEMA)
    types = {f.name: f.type for f in table.schema}
    assert types == {
        "transaction_id": pa.string(),
        "federal_action_obligation_usd": pa.decimal128(20, 2),
        "share": pa.float64(),
        "action_date": pa.date32(),
        "retrieved_at": pa.timestamp("us", tz="UTC"),
        "fiscal_year": pa.int64(),
        "is_reseller": pa.bool_(),
    }
    assert not table.schema.field("transaction_id").nullable
    rows = table.to_pylist()
    assert rows[0]["federal_action_obligation_usd"] == decimal.Decimal("850361073.00")
    assert rows[1]["federal_action_obligation_usd"] == decimal.Decimal("-2.32")
    # Exact cents: 0.1 stays 0.10, not 0.1000000000000000055...
    assert rows[2]["federal_action_obligation_usd"] == decimal.Decimal("0.10")
    assert rows[2]["share"] == 1000.0
    assert rows[0]["action_date"] == dt.date(2025, 10, 1)
    assert rows[0]["retrieved_at"] == dt.datetime(2026, 2, 17, 17, 32, 41, tzinfo=dt.UTC)
    assert rows[0]["is_reseller"] is True and rows[2]["is_reseller"] is False
    # The CSV's missing value "" is null in every type.
    assert all(rows[1][k] is None for k in ("share", "action_date", "retrieved_at",
                                             "fiscal_year", "is_reseller"))  # fmt: skip


@pytest.mark.parametrize(
    ("column", "bad", "row"),
    [
        ("federal_action_obligation_usd", "1.005", 2),  # more than cents
        ("federal_action_obligation_usd", "12,50", 2),
        ("action_date", "01/10/2025", 2),
        ("fiscal_year", "2026.0", 2),
        ("retrieved_at", "2026-02-17 17:32:41", 2),
        ("is_reseller", "yes", 2),
    ],
)
def test_a_bad_value_names_file_row_and_column(
    tmp_path: Path, column: str, bad: str, row: int
) -> None:
    rows = list(csv.reader(io.StringIO(CSV)))
    rows[row][rows[0].index(column)] = bad
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path = tmp_path / "bad.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    with pytest.raises(ParquetError) as err:
        read_csv_table(path, SCHEMA)
    message = str(err.value)
    assert str(path) in message and f"data row {row}" in message and column in message
    assert bad in message


def test_a_header_that_differs_from_the_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text(CSV.replace("fiscal_year", "fy"), encoding="utf-8")
    with pytest.raises(ParquetError, match="row 1: header"):
        read_csv_table(path, SCHEMA)


def test_parquet_is_byte_identical_and_self_describing(csv_path: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    meta = {"data_version": "2026.8.22", "resource": "t"}
    assert write_parquet(csv_path, SCHEMA, a, meta) == 3
    write_parquet(csv_path, SCHEMA, b, dict(reversed(meta.items())))
    assert a.read_bytes() == b.read_bytes()
    schema = pq.read_schema(a)
    assert json.loads(schema.metadata[SCHEMA_METADATA_KEY]) == SCHEMA
    assert schema.metadata[b"data_version"] == b"2026.8.22"
    field = schema.field("federal_action_obligation_usd")
    assert field.metadata == {b"description": b"Obligation.", b"unit": b"USD"}
    assert pq.read_table(a).equals(read_csv_table(csv_path, SCHEMA))


def test_types_without_a_special_rule_are_strings() -> None:
    assert arrow_type({"name": "x", "type": "yearmonth"}) == pa.string()
    assert arrow_type({"name": "x", "type": "number", "unit": "percent"}) == pa.float64()


def test_a_boolean_column_with_no_values_converts() -> None:
    """A table with no rows (e.g. award_summaries of a build without them) has boolean columns
    with nothing to check: Arrow's all() of nothing is null, which is not a failure."""
    from ice_cbp_awards.tables import convert_column

    out = convert_column(pa.array([], pa.string()), {"name": "b", "type": "boolean"}, "t.csv")
    assert len(out) == 0
    assert out.type == pa.bool_()
