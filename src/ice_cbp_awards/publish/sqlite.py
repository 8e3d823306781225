"""Write the built package into one SQLite database for Datasette and for `sqlite3` users.

Every resource of the built descriptor becomes a table with the schema's column types, primary
key, unique and NOT NULL constraints and foreign keys; the columns people filter, facet and sort
on are indexed; descriptions and names get an FTS5 index with porter stemming. The file is
written beside its destination and renamed into place only once complete, so a failed run never
leaves a half-written database where Datasette would serve it.

Loading is done by SQLite itself: rows, parsed by Arrow, go in as text through `executemany`
and the columns' type affinity converts them; checks afterwards find any value that did not
convert (a bad integer, a malformed date) and report its file and line.
"""

from __future__ import annotations

import csv
import os
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from .plan import Column, PublishError, TablePlan, site_config, table_plans

csv.field_size_limit(sys.maxsize)

DATE_GLOB = "[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]"
DATETIME_GLOB = DATE_GLOB + "T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]*"


def quote(identifier: str) -> str:
    """SQLite identifier quoting."""
    return '"' + identifier.replace('"', '""') + '"'


def create_table_sql(plan: TablePlan) -> str:
    """CREATE TABLE statement for one resource, from its schema."""
    lines = []
    for col in plan.columns:
        not_null = " NOT NULL" if col.required else ""
        lines.append(f"  {quote(col.name)} {col.sqlite_type}{not_null}")
    if plan.primary_key:
        lines.append(f"  PRIMARY KEY ({', '.join(quote(c) for c in plan.primary_key)})")
    for col in plan.unique:
        lines.append(f"  UNIQUE ({quote(col)})")
    for fk in plan.foreign_keys:
        lines.append(
            f"  FOREIGN KEY ({', '.join(quote(c) for c in fk.columns)}) "
            f"REFERENCES {quote(fk.other_table)} ({', '.join(quote(c) for c in fk.other_columns)})"
        )
    return f"CREATE TABLE {quote(plan.name)} (\n" + ",\n".join(lines) + "\n)"


def _check_header(plan: TablePlan) -> None:
    """The CSV exists and its header row is the schema's field names, in order."""
    path = plan.csv_path
    if not path.is_file():
        raise PublishError(f"{path}: not found (resource {plan.name!r} of the descriptor)")
    with path.open(newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh), None)
    if header is None:
        raise PublishError(f"{path}: line 1: empty file, expected a header row")
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    if header != plan.column_names:
        missing = [c for c in plan.column_names if c not in header]
        extra = [c for c in header if c not in plan.column_names]
        problem = (
            f"missing {missing}, unexpected {extra}"
            if missing or extra
            else "columns in a different order than the schema"
        )
        raise PublishError(f"{path}: line 1: header does not match the schema: {problem}")


def _csv_records(plan: TablePlan) -> Iterator[tuple[int, list[str]]]:
    """(physical line, values) for every data row of the resource's CSV, header checked.

    Row by row in Python: used to find the line behind an error, not to load."""
    _check_header(plan)
    with plan.csv_path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        width = len(plan.column_names)
        for row in reader:
            if len(row) != width:
                raise PublishError(
                    f"{plan.csv_path}: line {reader.line_num}: {len(row)} values, expected {width}"
                )
            yield reader.line_num, row


def _bool_converter(col: Column):
    true_values, false_values = set(col.true_values), set(col.false_values)

    def convert(value: str) -> int | str | None:
        if value == "":
            return None
        if value in true_values:
            return 1
        if value in false_values:
            return 0
        return value  # left as text; the type check reports it with its line

    return convert


def _rows(plan: TablePlan) -> Iterator[tuple]:
    """Every data row as a tuple of text (None where empty; booleans as 1 or 0).

    Parsed by Arrow in blocks, columns turned into Python lists a block at a time: several
    times faster than Python's csv module at a million rows, in bounded memory."""
    _check_header(plan)
    names = plan.column_names
    reader = pacsv.open_csv(
        plan.csv_path,
        read_options=pacsv.ReadOptions(block_size=16 << 20),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )
    bools = {i: _bool_converter(c) for i, c in enumerate(plan.columns) if c.type == "boolean"}
    for batch in reader:
        columns = [batch.column(i).to_pylist() for i in range(len(names))]
        for i, convert in bools.items():
            columns[i] = [convert(v or "") for v in columns[i]]
        yield from zip(*columns, strict=True)


def _line_of_record(plan: TablePlan, index: int) -> int:
    """Physical CSV line of the index-th data row (1-based), for error messages."""
    for n, (line, _) in enumerate(_csv_records(plan), start=1):
        if n == index:
            return line
    return 0


def _diagnose_insert_error(plan: TablePlan, exc: sqlite3.Error) -> PublishError:
    """Find the row behind a constraint failure: an empty required value or a repeated key."""
    required = [(i, c.name) for i, c in enumerate(plan.columns) if c.required]
    pk_idx = [plan.column_names.index(c) for c in plan.primary_key]
    unique_idx = {c: plan.column_names.index(c) for c in plan.unique}
    seen_pk: dict[tuple, int] = {}
    seen_unique: dict[str, dict[str, int]] = {c: {} for c in unique_idx}
    for line, row in _csv_records(plan):
        for i, name in required:
            if row[i] == "":
                return PublishError(f"{plan.csv_path}: line {line}: {name} is required but empty")
        if pk_idx:
            key = tuple(row[i] for i in pk_idx)
            if key in seen_pk:
                shown = dict(zip(plan.primary_key, key, strict=True))
                return PublishError(
                    f"{plan.csv_path}: line {line}: primary key {shown} repeats line {seen_pk[key]}"
                )
            seen_pk[key] = line
        for name, i in unique_idx.items():
            if row[i] != "" and row[i] in seen_unique[name]:
                return PublishError(
                    f"{plan.csv_path}: line {line}: {name} {row[i]!r} must be unique, "
                    f"repeats line {seen_unique[name][row[i]]}"
                )
            seen_unique[name][row[i]] = line
    return PublishError(f"{plan.csv_path}: could not be loaded into SQLite: {exc}")


def _load_table(conn: sqlite3.Connection, plan: TablePlan) -> None:
    conn.execute(create_table_sql(plan))
    placeholders = ", ".join("?" for _ in plan.columns)
    sql = f"INSERT INTO {quote(plan.name)} VALUES ({placeholders})"
    try:
        conn.executemany(sql, _rows(plan))
    except sqlite3.IntegrityError as exc:
        raise _diagnose_insert_error(plan, exc) from exc
    except pa.ArrowInvalid as exc:  # a row with too many or too few values: find its line
        for _ in _csv_records(plan):
            pass
        raise PublishError(f"{plan.csv_path}: could not be read: {exc}") from exc


def _type_checks(plan: TablePlan) -> list[tuple[str, str, str]]:
    """(column, SQL condition true for a bad value, what was expected) for each typed column."""
    checks = []
    for col in plan.columns:
        q = quote(col.name)
        if col.sqlite_type == "INTEGER":
            expected = "true or false" if col.type == "boolean" else "an integer"
            checks.append((col.name, f"typeof({q}) NOT IN ('integer', 'null')", expected))
        elif col.sqlite_type == "REAL":
            checks.append((col.name, f"typeof({q}) NOT IN ('real', 'integer', 'null')", "a number"))
        elif col.type == "date":
            checks.append((col.name, f"{q} NOT GLOB '{DATE_GLOB}'", "a date YYYY-MM-DD"))
        elif col.type == "datetime":
            checks.append(
                (col.name, f"{q} NOT GLOB '{DATETIME_GLOB}'", "a datetime YYYY-MM-DDTHH:MM:SSZ")
            )
    return checks


def _check_types(conn: sqlite3.Connection, plan: TablePlan) -> None:
    checks = _type_checks(plan)
    if not checks:
        return
    # one scan of the table for all columns; the column-by-column scans only to explain a hit
    anything = " OR ".join(f"({bad})" for _, bad, _ in checks)
    if (
        conn.execute(f"SELECT 1 FROM {quote(plan.name)} WHERE {anything} LIMIT 1").fetchone()
        is None
    ):
        return
    for column, bad, expected in checks:
        hit = conn.execute(
            f"SELECT rowid, {quote(column)} FROM {quote(plan.name)} WHERE {bad} "
            "ORDER BY rowid LIMIT 1"
        ).fetchone()
        if hit:
            line = _line_of_record(plan, hit[0])
            raise PublishError(
                f"{plan.csv_path}: line {line}: {column} is {hit[1]!r}, expected {expected}"
            )


def index_columns(plan: TablePlan, col: str) -> tuple[str, ...]:
    """The columns of the index led by col: a facet column's index holds the table's other
    facet columns too, so that counting a facet over the rows a filter on another facet kept
    reads that one index, not the rows (a table page counts every facet on every request).
    Other indexes stay on one column: each extra column costs build time at a million rows,
    unless site.yml lists a covering index led by that column (for an aggregating query)."""
    table_cfg = site_config().get("tables", {}).get(plan.name, {})
    for cols in table_cfg.get("covering_indexes", []):
        if cols[0] == col and set(cols) <= set(plan.column_names):
            return tuple(cols)
    if col in plan.facets:
        return (col, *[f for f in plan.facets if f != col])
    return (col,)


def _create_indexes(conn: sqlite3.Connection, plan: TablePlan) -> None:
    for col in plan.indexes:
        cols = ", ".join(quote(c) for c in index_columns(plan, col))
        conn.execute(
            f"CREATE INDEX {quote(f'idx_{plan.name}_{col}')} ON {quote(plan.name)} ({cols})"
        )


def _create_fts(conn: sqlite3.Connection, plan: TablePlan) -> None:
    """External-content FTS5 table over the plan's text columns, which Datasette detects."""
    if not plan.fts_table:
        return
    cols = ", ".join(quote(c) for c in plan.fts_columns)
    conn.execute(
        f"CREATE VIRTUAL TABLE {quote(plan.fts_table)} USING FTS5 ({cols}, "
        f"tokenize='porter', content={quote(plan.name)})"
    )
    conn.execute(
        f"INSERT INTO {quote(plan.fts_table)} (rowid, {cols}) "
        f"SELECT rowid, {cols} FROM {quote(plan.name)}"
    )


def _check_foreign_keys(conn: sqlite3.Connection, plans: list[TablePlan]) -> None:
    by_name = {p.name: p for p in plans}
    hit = conn.execute("PRAGMA foreign_key_check").fetchone()
    if hit:
        table, rowid, parent, fkid = hit
        plan = by_name[table]
        # foreign_key_list numbers keys in reverse declaration order.
        fks = conn.execute(f"PRAGMA foreign_key_list({quote(table)})").fetchall()
        cols = [r[3] for r in fks if r[0] == fkid]
        values = conn.execute(
            f"SELECT {', '.join(quote(c) for c in cols)} FROM {quote(table)} WHERE rowid = ?",
            (rowid,),
        ).fetchone()
        raise PublishError(
            f"{plan.csv_path}: line {_line_of_record(plan, rowid)}: "
            f"{dict(zip(cols, values, strict=True))} has no matching row in {parent}"
        )


def write_database(data_dir: Path, db_path: Path) -> None:
    """Write every resource of the built package in data_dir into the SQLite file db_path."""
    data_dir, db_path = Path(data_dir), Path(db_path)
    plans = table_plans(data_dir)
    tmp_path = db_path.with_name(db_path.name + ".tmp")
    tmp_path.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp_path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        # sorts for indexes spill to temporary files past the cache: the database is written
        # while the validators hold their reads, so its memory is kept to a few hundred MB
        conn.execute("PRAGMA temp_store = FILE")
        conn.execute("PRAGMA cache_size = -100000")
        conn.execute("BEGIN")
        for plan in plans:
            _load_table(conn, plan)
            _check_types(conn, plan)
        _check_foreign_keys(conn, plans)
        for plan in plans:
            _create_indexes(conn, plan)
            _create_fts(conn, plan)
        conn.execute("COMMIT")
        # Statistics from a sample of each index: as good for the planner here, and seconds
        # faster on a million rows than reading every index in full.
        conn.execute("PRAGMA analysis_limit = 10000")
        conn.execute("ANALYZE")
        conn.execute("VACUUM")
        conn.execute("PRAGMA journal_mode = DELETE")
    except BaseException:
        conn.close()
        tmp_path.unlink(missing_ok=True)
        raise
    conn.close()
    os.replace(tmp_path, db_path)


def add_tables(db_path: Path, plans: list[TablePlan]) -> None:
    """Add tables to an existing database (a private copy, never the build's file): loaded,
    type-checked, indexed and searchable exactly as write_database does for every resource."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        for plan in plans:
            _load_table(conn, plan)
            _check_types(conn, plan)
            _create_indexes(conn, plan)
            _create_fts(conn, plan)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    finally:
        conn.close()
