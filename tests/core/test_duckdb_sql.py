"""The SQL statement of the transaction rules (transform/duckdb_sql.py) agrees with the pandas
path the build publishes: same published ids, same quarantine reasons, same totals per agency
and fiscal year, on a hand-made input holding every rule's failing case."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from rawfactory import make_cbp_ice_root, tx_row

from ice_cbp_awards import build
from ice_cbp_awards.readers import cbp_ice
from ice_cbp_awards.transform import amounts, duckdb_sql

ROWS_2022 = [
    tx_row(amount="100.10", mod="0"),
    tx_row(amount="100.10", mod="0"),  # exact duplicate
    tx_row(amount="-20.05", mod="P00001", date="2022-10-02"),  # FY2023 in an FY2022 file
    tx_row(agency="CBP", piid="70B01C22F00000428", amount="5000", mod="0"),
    tx_row(agency="CBP", piid="70B01C22F00000428", amount="7.5", mod="P00001"),
    tx_row(agency="FEMA", mod="P00009"),  # unknown agency
    tx_row(recipient="", mod="P00010"),  # missing recipient
    tx_row(date="2022-13-40", mod="P00011"),  # unparseable date
    tx_row(date="2030-01-01", mod="P00012"),  # after retrieval
    tx_row(date="1990-01-01", mod="P00013"),  # before the first fiscal year
    tx_row(amount="abc", mod="P00014"),  # not a number
    tx_row(amount="inf", mod="P00015"),  # not finite
    tx_row(amount="100000000000.01", mod="P00016"),  # over the maximum
    tx_row(amount="1.005", mod="P00017"),  # not whole cents
    tx_row(key="CONT_AWD_BROKEN", mod="P00018"),  # malformed key
    tx_row(agency="CBP", mod="P00019"),  # CBP row on an ICE key
    tx_row(agency="ICE", piid="70B01C22F00000999", mod="P00020"),  # CBP office prefix
    tx_row(amount="3.00", mod="P00002", recipient="OTHER NAME"),  # taken id: later row differs
]
ROWS_2022.append(tx_row(amount="4.00", mod="P00002"))
ROWS_2023 = [
    tx_row(piid="70CDCR23P00000001", amount="1e3", mod="0", date="2023-01-15"),
    tx_row(piid="70CDCR23P00000001", amount="12.345e1", mod="P00001", date="2023-02-15"),
]


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, duckdb.DuckDBPyConnection]:
    root = make_cbp_ice_root(
        tmp_path_factory.mktemp("raw"), {2022: ROWS_2022, 2023: ROWS_2023}, snapshot="2026-08-22"
    )
    batch = cbp_ice.read(root)
    tables = build.core_tables([batch])
    con = duckdb.connect()
    con.execute(f"CREATE TABLE raw_tx AS {duckdb_sql.raw_select(duckdb_sql.cbp_ice_files(root))}")
    duckdb_sql.normalise_sql(con, "raw_tx", batch.date_formats)
    return tables, con


def test_same_published_transactions(both: tuple[dict, duckdb.DuckDBPyConnection]) -> None:
    tables, con = both
    sql = con.sql("SELECT transaction_id, fiscal_year FROM tx_published").df()
    tx = tables["transactions"]
    assert len(tx) == 7
    assert sorted(sql["transaction_id"]) == sorted(tx["transaction_id"])
    fy = dict(zip(tx["transaction_id"], tx["fiscal_year"], strict=True))
    assert {r.transaction_id: r.fiscal_year for r in sql.itertuples()} == fy


def test_same_quarantine_reasons(both: tuple[dict, duckdb.DuckDBPyConnection]) -> None:
    tables, con = both
    sql = con.sql(
        "SELECT reason_code, count(*) AS n FROM tx_checked WHERE reason_code <> '' GROUP BY 1"
    ).df()
    collisions = con.sql(
        "SELECT count(*) - count(DISTINCT transaction_id) FROM tx_checked WHERE reason_code = ''"
    ).fetchall()[0][0]
    from_sql = dict(zip(sql["reason_code"], sql["n"], strict=True))
    from_sql["id_collision"] = collisions
    pandas_counts = tables["rejects"]["reason_code"].value_counts().to_dict()
    assert len(pandas_counts) == 12  # every rule of the input fails once or more
    assert from_sql == pandas_counts


def test_same_totals_per_agency_and_year(both: tuple[dict, duckdb.DuckDBPyConnection]) -> None:
    tables, con = both
    tx = tables["transactions"]
    expected = sorted(
        (agency, int(fy), len(g), amounts.exact_cents_sum(g["federal_action_obligation_usd"]))
        for (agency, fy), g in tx.groupby(["agency_acronym", "fiscal_year"])
    )
    got = duckdb_sql.totals(con)
    assert (
        sorted(
            (r.agency_acronym, int(r.fiscal_year), r.transaction_count, int(r.obligation_cents))
            for r in got.itertuples()
        )
        == expected
    )
    assert ("ICE", 2023, 3, -2005 + 100000 + 12345) in expected  # -20.05 + 1e3 + 12.345e1


def test_raw_rows_read_as_the_reader_reads_them(
    both: tuple[dict, duckdb.DuckDBPyConnection],
) -> None:
    tables, con = both
    assert con.sql("SELECT count(*) FROM raw_tx").fetchall()[0][0] == 21
    sources = con.sql("SELECT DISTINCT source_id FROM raw_tx ORDER BY 1").df()["source_id"]
    assert sources.tolist() == sorted(tables["sources"]["source_id"])


def test_parquet_input_runs_unchanged(
    both: tuple[dict, duckdb.DuckDBPyConnection], tmp_path: pytest.TempPathFactory
) -> None:
    """The same SQL over a Parquet file of the raw rows gives the same totals."""
    _, con = both
    path = tmp_path / "raw.parquet"
    con.execute(f"COPY (SELECT * FROM raw_tx) TO '{path}' (FORMAT parquet)")
    other = duckdb.connect()
    duckdb_sql.normalise_sql(other, f"read_parquet('{path}')", ["%Y-%m-%d"])
    pd.testing.assert_frame_equal(duckdb_sql.totals(other), duckdb_sql.totals(con))


def test_broken_raw_row_stops_the_sql_reader(tmp_path: pytest.TempPathFactory) -> None:
    """A row with a field too many is an error, never a silently different table."""
    rows = [tx_row(), tx_row(mod="P00001") + ["EXTRA"]]
    root = make_cbp_ice_root(tmp_path, {2022: rows})
    select = duckdb_sql.raw_select(duckdb_sql.cbp_ice_files(root))
    with pytest.raises(duckdb.Error):
        duckdb.connect().execute(f"CREATE TABLE raw_tx AS {select}")
