"""The SQLite database: one typed table per resource, keys, indexes, search, and clear errors."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from ice_cbp_awards.publish.plan import PublishError, read_built_descriptor, table_plans
from ice_cbp_awards.publish.sqlite import (
    continue_database,
    finish_database,
    start_database,
    write_database,
)

from .sample_package import PALANTIR_PIID, ROWS, write_sample_package

SQLITE_AFFINITY = {
    "string": "TEXT",
    "integer": "INTEGER",
    "number": "REAL",
    "date": "TEXT",
    "datetime": "TEXT",
    "boolean": "INTEGER",
    "year": "INTEGER",
}


@pytest.fixture(scope="module")
def conn(sample_db: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{sample_db}?mode=ro", uri=True)


def test_every_resource_is_a_table_with_its_schema_types(sample_data_dir, conn):
    descriptor = read_built_descriptor(sample_data_dir)
    for entry in descriptor["resources"]:
        info = conn.execute(f'PRAGMA table_info("{entry["name"]}")').fetchall()
        assert [r[1] for r in info] == [f["name"] for f in entry["schema"]["fields"]]
        types = {r[1]: r[2] for r in info}
        for field in entry["schema"]["fields"]:
            assert types[field["name"]] == SQLITE_AFFINITY.get(field["type"], "TEXT"), field


def test_row_counts_match_the_csvs(sample_data_dir, conn):
    for plan in table_plans(sample_data_dir):
        with plan.csv_path.open(newline="", encoding="utf-8") as fh:
            expected = sum(1 for _ in csv.reader(fh)) - 1
        assert conn.execute(f'SELECT count(*) FROM "{plan.name}"').fetchone()[0] == expected


def test_primary_and_foreign_keys_are_declared(sample_data_dir, conn):
    descriptor = read_built_descriptor(sample_data_dir)
    names = {e["name"] for e in descriptor["resources"]}
    for entry in descriptor["resources"]:
        schema = entry["schema"]
        pk = schema.get("primaryKey", [])
        pk = [pk] if isinstance(pk, str) else pk
        info = conn.execute(f'PRAGMA table_info("{entry["name"]}")').fetchall()
        assert [r[1] for r in sorted(info, key=lambda r: r[5]) if r[5]] == pk
        declared = {
            (r[2], r[3], r[4])
            for r in conn.execute(f'PRAGMA foreign_key_list("{entry["name"]}")').fetchall()
        }
        for fk in schema.get("foreignKeys", []):
            target = fk["reference"]["resource"]
            if target in names:
                pair = (target, fk["fields"][0], fk["reference"]["fields"][0])
                assert pair in declared, (entry["name"], fk)


def test_values_are_typed_and_missing_values_are_null(conn):
    row = conn.execute(
        "SELECT typeof(federal_action_obligation_usd), typeof(fiscal_year), recipient_uei, "
        "federal_action_obligation_usd FROM transactions WHERE modification_number = 'P00010'"
    ).fetchone()
    assert row == ("real", "integer", None, -2.32)


def test_filter_and_facet_columns_are_indexed(conn):
    indexed = {
        conn.execute(f"PRAGMA index_info('{name}')").fetchone()[2]
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'transactions'"
        )
    }
    for column in (
        "agency_acronym",
        "fiscal_year",
        "recipient_name",
        "action_date",
        "award_id_usaspending",
        "source_id",
    ):
        assert column in indexed
    plan = conn.execute(
        "EXPLAIN QUERY PLAN SELECT count(*) FROM transactions WHERE agency_acronym = 'ICE'"
    ).fetchall()
    assert "idx_transactions_agency_acronym" in " ".join(str(r) for r in plan)


def test_full_text_search_uses_porter_stemming(conn):
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'transactions_fts'").fetchone()
    assert "fts5" in sql[0].lower() and "porter" in sql[0]
    hits = conn.execute(
        "SELECT DISTINCT t.award_id_piid FROM transactions_fts f "
        "JOIN transactions t ON t.rowid = f.rowid WHERE transactions_fts MATCH 'managing'"
    ).fetchall()
    assert hits == [(PALANTIR_PIID,)]
    by_recipient = conn.execute(
        "SELECT count(*) FROM transactions_fts WHERE transactions_fts MATCH 'recipient_name: dell'"
    ).fetchone()[0]
    assert by_recipient == 2


def test_analyzed_and_vacuumed(conn):
    assert conn.execute("SELECT count(*) FROM sqlite_stat1").fetchone()[0] > 0
    assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def _broken_copy(sample_data_dir: Path, tmp_path: Path) -> Path:
    data_dir = tmp_path / "data"
    shutil.copytree(sample_data_dir, data_dir, ignore=shutil.ignore_patterns("*.db", "*.json"))
    shutil.copy(sample_data_dir / "datapackage.json", data_dir / "datapackage.json")
    return data_dir


def _rewrite(path: Path, edit) -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    edit(rows)
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def _column(path: Path, name: str) -> int:
    with path.open(newline="", encoding="utf-8") as fh:
        return next(csv.reader(fh)).index(name)


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("fiscal_year", "twenty", "line 3: fiscal_year is 'twenty', expected an integer"),
        (
            "federal_action_obligation_usd",
            "1,000",
            "line 3: federal_action_obligation_usd is '1,000', expected a number",
        ),
        ("action_date", "03/15/2024", "line 3: action_date is '03/15/2024', expected a date"),
        ("recipient_name", "", "line 3: recipient_name is required but empty"),
        (
            "transaction_id",
            ROWS["transactions"][0]["transaction_id"],
            "line 3: primary key {'transaction_id': 'tx-00000000000000000001'} repeats line 2",
        ),
        (
            "source_id",
            "no-such-source",
            "line 3: {'source_id': 'no-such-source'} has no matching row in sources",
        ),
    ],
)
def test_bad_values_fail_with_file_line_and_problem(
    sample_data_dir, tmp_path, column, value, expected
):
    data_dir = _broken_copy(sample_data_dir, tmp_path)
    path = data_dir / "transactions.csv"
    i = _column(path, column)

    def edit(rows: list[list[str]]) -> None:
        rows[2][i] = value

    _rewrite(path, edit)
    db = data_dir / "x.db"
    with pytest.raises(PublishError) as err:
        write_database(data_dir, db)
    message = str(err.value)
    assert message == f"{path}: {expected}" or message.startswith(f"{path}: {expected}")
    assert "\n" not in message
    assert not db.exists() and not (data_dir / "x.db.tmp").exists()


def test_header_and_missing_file_errors(sample_data_dir, tmp_path):
    data_dir = _broken_copy(sample_data_dir, tmp_path)
    _rewrite(data_dir / "sources.csv", lambda rows: rows[0].__setitem__(1, "family"))
    expected = (
        r"sources.csv: line 1: header does not match the schema: "
        r"missing \['source_family'\], unexpected \['family'\]"
    )
    with pytest.raises(PublishError, match=expected):
        write_database(data_dir, data_dir / "x.db")
    (data_dir / "sources.csv").unlink()
    with pytest.raises(PublishError, match=r"sources.csv: not found \(resource 'sources'"):
        write_database(data_dir, data_dir / "x.db")


def test_short_row_is_reported_with_its_line(sample_data_dir, tmp_path):
    data_dir = _broken_copy(sample_data_dir, tmp_path)
    _rewrite(data_dir / "awards.csv", lambda rows: rows[1].pop())
    with pytest.raises(PublishError, match=r"awards.csv: line 2: \d+ values, expected \d+"):
        write_database(data_dir, data_dir / "x.db")


def test_a_failed_write_keeps_the_previous_database(sample_data_dir, sample_db, tmp_path):
    data_dir = _broken_copy(sample_data_dir, tmp_path)
    db = data_dir / "site.db"
    shutil.copy(sample_db, db)
    before = db.read_bytes()
    _rewrite(data_dir / "transactions.csv", lambda rows: rows[1].__setitem__(8, "x"))
    with pytest.raises(PublishError):
        write_database(data_dir, db)
    assert db.read_bytes() == before


def test_missing_descriptor_is_a_clear_error(tmp_path):
    with pytest.raises(PublishError, match=r"datapackage.json: not found; run `awards build`"):
        write_database(tmp_path, tmp_path / "x.db")


def test_booleans_and_new_resources_are_handled_generically(tmp_path):
    """A resource added to the descriptor later is loaded from its schema alone."""
    data_dir = write_sample_package(tmp_path / "data")
    descriptor = json.loads((data_dir / "datapackage.json").read_text())
    descriptor["resources"].append(
        {
            "name": "flags",
            "path": "flags.csv",
            "schema": {
                "fields": [
                    {"name": "flag_id", "type": "integer", "description": "Id."},
                    {"name": "is_active", "type": "boolean", "description": "Active?"},
                    {"name": "source_id", "type": "string", "description": "Source."},
                ],
                "primaryKey": ["flag_id"],
                "foreignKeys": [
                    {
                        "fields": ["source_id"],
                        "reference": {"resource": "sources", "fields": ["source_id"]},
                    }
                ],
            },
        }
    )
    (data_dir / "datapackage.json").write_text(json.dumps(descriptor))
    source = ROWS["sources"][0]["source_id"]
    (data_dir / "flags.csv").write_text(
        f"flag_id,is_active,source_id\n1,true,{source}\n2,false,\n3,,{source}\n"
    )
    write_database(data_dir, data_dir / "x.db")
    conn = sqlite3.connect(data_dir / "x.db")
    assert conn.execute("SELECT flag_id, is_active, source_id FROM flags").fetchall() == [
        (1, 1, source),
        (2, 0, None),
        (3, None, source),
    ]
    assert conn.execute("PRAGMA foreign_key_list(flags)").fetchone()[2] == "sources"
    conn.close()
    (data_dir / "flags.csv").write_text("flag_id,is_active,source_id\n1,yes,\n")
    with pytest.raises(
        PublishError,
        match=r"flags.csv: line 2: is_active is 'yes', expected "
        r"true or false",
    ):
        write_database(data_dir, data_dir / "x.db")


def test_a_facet_of_a_filtered_table_reads_one_index_only(conn):
    """The table page counts each facet over the rows a filter kept; with an index per facet
    column that holds the other facet columns too, no count reads the table's rows."""
    facets = ["agency_acronym", "fiscal_year", "source_system"]
    for where in facets:
        for facet in facets:
            if facet == where:
                continue
            plan = conn.execute(
                f"EXPLAIN QUERY PLAN SELECT {facet} AS value, count(*) FROM transactions "
                f"WHERE {where} = ? GROUP BY {facet}",
                ("x",),
            ).fetchall()
            assert "COVERING INDEX" in " ".join(str(r) for r in plan), (where, facet, plan)


def test_the_largest_recipients_query_reads_indexes_only(conn):
    """The canned query behind the recipients chart aggregates every transaction twice; the
    covering index of site.yml holds all it reads (333 ms to 20 ms on the real data, where the
    planner uses it for both steps; on this sample's statistics it may pick another index for
    the second)."""
    cols = [r[2] for r in conn.execute("PRAGMA index_info('idx_transactions_recipient_name')")]
    assert cols == [
        "recipient_name",
        "federal_action_obligation_usd",
        "agency_acronym",
        "fiscal_year",
    ]
    from ice_cbp_awards.publish.queries import load_queries

    sql = load_queries()["recipient_fiscal_year_totals"]["sql"]
    steps = [r[3] for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}") if "transactions" in r[3]]
    assert "SCAN transactions USING COVERING INDEX idx_transactions_recipient_name" in steps


def test_a_wrong_value_after_a_multi_line_value_is_reported_at_its_physical_line(
    sample_data_dir, tmp_path
):
    """Values are typed a block of rows at a time; the error names the CSV line a reader sees,
    which is not the row number when an earlier value spans lines."""
    data_dir = _broken_copy(sample_data_dir, tmp_path)
    path = data_dir / "transactions.csv"
    described, year = _column(path, "transaction_description"), _column(path, "fiscal_year")

    def edit(rows: list[list[str]]) -> None:
        rows[1][described] = "FIRST LINE\nSECOND LINE\nTHIRD LINE"
        rows[3][year] = "2024.5"

    _rewrite(path, edit)
    with pytest.raises(PublishError) as err:
        write_database(data_dir, data_dir / "x.db")
    assert str(err.value) == f"{path}: line 6: fiscal_year is '2024.5', expected an integer"


def test_the_schema_sql_is_written_only_by_the_metadata():
    """One interpreter: SQLite column types and DDL appear in metadata/ alone; publish/ loads."""
    import re

    import ice_cbp_awards

    root = Path(ice_cbp_awards.__file__).parent
    ddl = re.compile(r"[\"'](INTEGER|REAL)[\"']|CREATE (TABLE|INDEX|VIRTUAL)[^\n]*\{|USING FTS5")
    offenders = [
        str(path.relative_to(root))
        for path in sorted(root.rglob("*.py"))
        if path.parent.name != "metadata" and ddl.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def _contents(db: Path) -> dict[str, list[tuple]]:
    """Every table's rows (search tables included) and every schema object of a database."""
    conn = sqlite3.connect(db)
    try:
        objects = sorted(conn.execute("SELECT type, name, sql FROM sqlite_master"), key=str)
        tables = [n for t, n, _ in objects if t == "table" and not n.startswith("sqlite_")]
        out = {n: sorted(conn.execute(f'SELECT * FROM "{n}"'), key=repr) for n in tables}
        out["sqlite_master"] = objects
        # the package's tables in the order they were created (a search table and its
        # shadow tables are made with their table's indexes, after every package table)
        out["table order"] = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if "_fts" not in r[0]
        ]
        return out
    finally:
        conn.close()


def _schema_order(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT type, name FROM sqlite_master ORDER BY rowid").fetchall()
    finally:
        conn.close()


def test_a_database_begun_with_some_tables_is_the_database_written_whole(sample_data_dir, tmp_path):
    """The build begins the database with its core tables while it curates, and completes it
    once every CSV is written: the same tables (in the same order), rows, indexes and search
    tables as a database written in one go."""
    data_dir = _broken_copy(sample_data_dir, tmp_path)
    whole, begun = data_dir / "whole.db", data_dir / "begun.db"
    write_database(data_dir, whole)
    descriptor = read_built_descriptor(data_dir)
    start_database(data_dir, begun, descriptor, ("transactions", "awards", "sources"))
    assert not begun.exists()  # written beside its place until complete
    assert finish_database(data_dir, begun) is True
    assert _contents(begun) == _contents(whole)
    assert not (data_dir / "begun.db.tmp").exists()
    assert sorted(p.name for p in data_dir.glob("*-search")) == []


def test_a_database_loaded_in_three_steps_is_the_database_written_whole(sample_data_dir, tmp_path):
    """The build begins the database with the transactions while it derives the awards, loads
    the other core tables while it curates, and completes it at the end: the same database as
    one written in one go, its schema objects made in the same order. A table named twice is
    loaded once."""
    data_dir = _broken_copy(sample_data_dir, tmp_path)
    whole, begun = data_dir / "whole.db", data_dir / "begun.db"
    write_database(data_dir, whole)
    start_database(data_dir, begun, read_built_descriptor(data_dir), ("sources", "transactions"))
    continue_database(data_dir, begun, ("transactions", "award_summaries", "awards"))
    assert not begun.exists()
    assert finish_database(data_dir, begun) is True
    assert _contents(begun) == _contents(whole)
    assert _schema_order(begun) == _schema_order(whole)
    assert not (data_dir / "begun.db.tmp").exists()
    assert list(data_dir.glob("*-search")) == []


def test_continuing_a_database_not_begun_here_leaves_it_to_be_written_whole(
    sample_data_dir, tmp_path
):
    data_dir = _broken_copy(sample_data_dir, tmp_path)
    whole, db = data_dir / "whole.db", data_dir / "x.db"
    write_database(data_dir, whole)
    continue_database(data_dir, db, ("awards",))
    assert not (data_dir / "x.db.tmp").exists()
    assert finish_database(data_dir, db) is False
    assert _contents(db) == _contents(whole)


def test_a_bad_value_in_a_table_loaded_second_fails_the_database_and_leaves_no_file(
    sample_data_dir, tmp_path
):
    """A failure while more tables are loaded removes the unfinished database and every search
    file, the first step's included, and is raised again when the database is completed."""
    data_dir = _broken_copy(sample_data_dir, tmp_path)
    path = data_dir / "awards.csv"
    _rewrite(path, lambda rows: rows[1].__setitem__(0, ""))
    db = data_dir / "x.db"
    start_database(data_dir, db, read_built_descriptor(data_dir), ("transactions",))
    with pytest.raises(PublishError) as second:
        continue_database(data_dir, db, ("awards",))
    assert str(second.value).startswith(f"{path}: line 2")
    assert not (data_dir / "x.db.tmp").exists()
    assert list(data_dir.glob("*-search")) == []
    with pytest.raises(PublishError) as last:
        finish_database(data_dir, db)
    assert str(last.value) == str(second.value)
    assert not db.exists()


def test_search_tables_filled_in_files_of_their_own_are_whole_and_searchable(
    sample_data_dir, tmp_path
):
    """The first tables' search tables are filled by a thread in files of their own and copied
    in: the shadow tables equal those filled in place (the test above), FTS5's own integrity
    check passes against the table's rows, including a value over two lines, a non-ASCII
    word and an empty (null) cell, and a search finds its rows."""
    data_dir = _broken_copy(sample_data_dir, tmp_path)
    path = data_dir / "transactions.csv"
    desc = _column(path, "transaction_description")
    psc = _column(path, "product_or_service_description")

    def edit(rows: list[list[str]]) -> None:
        rows[1][desc] = "Café licences\nsecond line: gotham"
        rows[2][psc] = ""

    _rewrite(path, edit)
    db = data_dir / "begun.db"
    start_database(data_dir, db, read_built_descriptor(data_dir), ("transactions", "awards"))
    finish_database(data_dir, db)
    conn = sqlite3.connect(db)
    try:
        for table in ("transactions_fts", "awards_fts"):
            conn.execute(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")
        found = conn.execute(
            "SELECT t.transaction_description FROM transactions_fts f JOIN transactions t"
            " ON t.rowid = f.rowid WHERE transactions_fts MATCH 'gotham AND café'"
        ).fetchall()
    finally:
        conn.close()
    assert found == [("Café licences\nsecond line: gotham",)]


def test_a_search_file_that_fails_fails_the_database_and_leaves_no_file(
    sample_data_dir, tmp_path, monkeypatch
):
    from ice_cbp_awards.publish import sqlite as publish_sqlite

    def broken(plan, path):
        path.write_bytes(b"partial")
        raise OSError(f"{path}: disk full")

    monkeypatch.setattr(publish_sqlite, "fill_search_file", broken)
    data_dir = _broken_copy(sample_data_dir, tmp_path)
    db = data_dir / "x.db"
    start_database(data_dir, db, read_built_descriptor(data_dir), ("transactions",))
    with pytest.raises(OSError, match="disk full"):
        finish_database(data_dir, db)
    assert not db.exists() and not (data_dir / "x.db.tmp").exists()
    assert list(data_dir.glob("*-search")) == []


def test_a_database_begun_from_other_tables_is_written_whole_again(sample_data_dir, tmp_path):
    """If the tables the build ends with are not those the database was begun with, the
    tables loaded first are not trusted: the database is written whole."""
    data_dir = _broken_copy(sample_data_dir, tmp_path)
    whole, begun = data_dir / "whole.db", data_dir / "begun.db"
    write_database(data_dir, whole)
    descriptor = read_built_descriptor(data_dir)
    fewer = {**descriptor, "resources": descriptor["resources"][:3]}
    start_database(data_dir, begun, fewer, ("transactions",))
    assert finish_database(data_dir, begun) is False
    assert _contents(begun) == _contents(whole)


def test_a_bad_value_in_a_table_loaded_first_fails_the_database_when_it_is_completed(
    sample_data_dir, tmp_path
):
    data_dir = _broken_copy(sample_data_dir, tmp_path)
    path = data_dir / "transactions.csv"
    _rewrite(path, lambda rows: rows[1].__setitem__(8, "x"))
    db = data_dir / "x.db"
    with pytest.raises(PublishError) as first:
        start_database(data_dir, db, read_built_descriptor(data_dir), ("transactions",))
    with pytest.raises(PublishError) as last:
        finish_database(data_dir, db)
    assert str(last.value) == str(first.value)
    assert str(first.value).startswith(f"{path}: line 2")
    assert not db.exists() and not (data_dir / "x.db.tmp").exists()
    assert list(data_dir.glob("*-search")) == []


def test_a_search_file_that_cannot_be_copied_fails_the_database_and_leaves_no_file(
    sample_data_dir, tmp_path, monkeypatch
):
    """A copy that fails half-way fails the database with SQLite's own message; the search
    file and the unfinished database are removed."""
    from ice_cbp_awards.publish import sqlite as publish_sqlite

    def wrong_shape(plan, path):
        conn = sqlite3.connect(path)
        for suffix in ("data", "idx", "docsize", "config"):
            conn.execute(f'CREATE TABLE "{plan.fts_table}_{suffix}" (only_one)')
            conn.execute(f'INSERT INTO "{plan.fts_table}_{suffix}" VALUES (1)')
        conn.commit()
        conn.close()

    monkeypatch.setattr(publish_sqlite, "fill_search_file", wrong_shape)
    data_dir = _broken_copy(sample_data_dir, tmp_path)
    db = data_dir / "x.db"
    start_database(data_dir, db, read_built_descriptor(data_dir), ("transactions",))
    with pytest.raises(sqlite3.OperationalError, match="columns"):
        finish_database(data_dir, db)
    assert not db.exists() and not (data_dir / "x.db.tmp").exists()
    assert list(data_dir.glob("*-search")) == []
