"""Write the built package into one SQLite database for Datasette and for `sqlite3` users.

Every resource of the built descriptor becomes a table with the schema's column types, primary
key, unique and NOT NULL constraints and foreign keys; the columns people filter, facet and sort
on are indexed; descriptions and names get an FTS5 index with porter stemming. The file is
written beside its destination and renamed into place only once complete, so a failed run never
leaves a half-written database where Datasette would serve it.

The schema (tables, indexes, full-text search) is written by `metadata.sqlite` from the Table
Schemas; this module only loads. Rows are parsed by Arrow a block at a time and each column is
converted there, as a whole, to the value SQLite stores (integers, floats, 0/1, checked ISO
dates): a value that does not convert is reported with its file, line and column before it is
stored. The typed columns are bound into SQLite by the ADBC SQLite driver, in C, a block at
a time, with no Python object per value; the schema, indexes and search tables are written by
Python's own `sqlite3`, the connection Datasette reads with.
"""

from __future__ import annotations

import csv
import os
import sqlite3
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import adbc_driver_manager
import adbc_driver_sqlite.dbapi as adbc_sqlite
import pyarrow as pa
import pyarrow.compute as pc

from ..metadata.sqlite import (
    ValueRule,
    create_index_sql,
    create_table_sql,
    fts_sql,
    quote,
    searched_columns_sql,
    value_rule,
)
from ..tables import read_header, text_batches, text_records
from .plan import PublishError, TablePlan, site_config, table_plans

csv.field_size_limit(sys.maxsize)


def table_sql(plan: TablePlan) -> str:
    """CREATE TABLE of one resource of the plan."""
    return create_table_sql(
        plan.name, plan.fields, plan.primary_key, plan.unique, plan.foreign_keys
    )


def _check_header(plan: TablePlan) -> None:
    """The CSV exists and its header row is the schema's field names, in order."""
    path = plan.csv_path
    if not path.is_file():
        raise PublishError(f"{path}: not found (resource {plan.name!r} of the descriptor)")
    header = read_header(path)
    if header is None:
        raise PublishError(f"{path}: line 1: empty file, expected a header row")
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
    width = len(plan.column_names)
    for line, row in text_records(plan.csv_path):
        if len(row) != width:
            raise PublishError(f"{plan.csv_path}: line {line}: {len(row)} values, expected {width}")
        yield line, row


def _all_or_null(ok: pa.Array, texts: pa.Array) -> bool:
    """Is ok true for every text that is present (an empty cell is null, and allowed)?"""
    return pc.all(pc.or_kleene(ok, pc.is_null(texts)), min_count=0).as_py()


def _converter(rule: ValueRule, true_values: list[str], false_values: list[str]):
    """The function taking a column of CSV text (null where empty) to the values SQLite stores;
    it raises on a value that is not of the column's type."""
    if rule.kind == "integer":
        return lambda texts: pc.cast(texts, pa.int64())
    if rule.kind == "real":
        return lambda texts: pc.cast(texts, pa.float64())
    if rule.kind == "boolean":
        true_set, false_set = pa.array(true_values), pa.array(false_values)

        def booleans(texts: pa.Array) -> pa.Array:
            is_true = pc.is_in(texts, true_set)
            known = pc.or_(is_true, pc.is_in(texts, false_set))
            if not _all_or_null(known, texts):
                raise ValueError("not one of the schema's true or false values")
            return pc.if_else(pc.is_null(texts), None, pc.cast(is_true, pa.int64()))

        return booleans
    if rule.regex:
        regex = rule.regex

        def checked(texts: pa.Array) -> pa.Array:
            ok = pc.match_substring_regex(texts, regex)
            if not _all_or_null(ok, texts):
                raise ValueError(f"does not match {regex}")
            return texts

        return checked
    return lambda texts: texts


def _first_bad(texts: pa.Array, convert) -> int:
    """Index of the first value convert rejects, by halving (a few conversions, not one per
    row), given that it rejects the whole column."""
    lo, hi = 0, len(texts)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            convert(texts.slice(lo, mid - lo))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
            hi = mid
        else:
            lo = mid
    return lo


def _column_converters(plan: TablePlan) -> list:
    return [
        _converter(value_rule(f), list(c.true_values), list(c.false_values))
        for f, c in zip(plan.fields, plan.columns, strict=True)
    ]


def _typed_columns(
    plan: TablePlan, batch: pa.RecordBatch, converters: list, first_row: int
) -> list[pa.Array]:
    """A block of CSV text as the typed columns SQLite stores; a value of the wrong type is
    reported with its line (first_row: the data row number of the block's first row, 1-based)."""
    out = []
    for i, (col, convert) in enumerate(zip(plan.columns, converters, strict=True)):
        texts = batch.column(i)
        try:
            out.append(convert(texts))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
            bad = _first_bad(texts, convert)
            line = _line_of_record(plan, first_row + bad)
            expected = value_rule(plan.fields[i]).expected
            raise PublishError(
                f"{plan.csv_path}: line {line}: {col.name} is {texts[bad].as_py()!r}, "
                f"expected {expected}"
            ) from None
    return out


def typed_batches(plan: TablePlan) -> Iterator[pa.RecordBatch]:
    """The data rows, a block at a time, as the values SQLite stores (null where empty). Parsed
    by Arrow and converted a column at a time, in bounded memory."""
    _check_header(plan)
    names = plan.column_names
    converters = _column_converters(plan)
    first_row = 1
    for batch in text_batches(plan.csv_path, names):
        columns = _typed_columns(plan, batch, converters, first_row)
        yield pa.RecordBatch.from_arrays(columns, names=names)
        first_row += batch.num_rows


def _line_of_record(plan: TablePlan, index: int) -> int:
    """Physical CSV line of the index-th data row (1-based), for error messages."""
    for n, (line, _) in enumerate(_csv_records(plan), start=1):
        if n == index:
            return line
    return 0


def _diagnose_insert_error(plan: TablePlan, exc: Exception) -> PublishError:
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


def insert_rows(db_path: Path, plans: list[TablePlan]) -> None:
    """The rows of each plan's CSV into its table, which exists and is empty, in one
    transaction of its own: the caller's `sqlite3` connection holds none meanwhile.

    The ADBC SQLite driver binds each block's typed Arrow columns in C: at a million rows this
    is a third of the time of `executemany` over Python tuples (docs/performance.md)."""
    with adbc_sqlite.connect(str(db_path), autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("PRAGMA journal_mode = OFF")
        cur.execute("PRAGMA synchronous = OFF")
        cur.execute("BEGIN")
        for plan in plans:
            _insert_table(cur, plan)
        cur.execute("COMMIT")


def _insert_table(cur: Any, plan: TablePlan) -> None:
    try:
        for batch in typed_batches(plan):
            cur.adbc_ingest(plan.name, batch, mode="append")
    except adbc_driver_manager.Error as exc:  # a constraint: find the row behind it
        raise _diagnose_insert_error(plan, exc) from exc
    except pa.ArrowInvalid as exc:  # a row with too many or too few values: find its line
        for _ in _csv_records(plan):
            pass
        raise PublishError(f"{plan.csv_path}: could not be read: {exc}") from exc


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


# The page cache of the connection that loads the database, in KiB: sorts for indexes spill to
# temporary files past it (the database is written while the validators hold their reads, so
# its memory is kept to a few hundred MB).
LOAD_CACHE_KIB = 100_000
# CREATE INDEX sorts its keys in runs the size of the page cache, then merges them: runs of a
# few MB sort in the processor's own cache. The million transactions' ten indexes took 8.0 s
# with 4 MB against 10.0 to 11.6 s with the 100 MB above (docs/performance.md).
INDEX_SORT_CACHE_KIB = 4_000


@contextmanager
def _page_cache(conn: sqlite3.Connection, kib: int) -> Iterator[None]:
    """The connection's page cache set to kib KiB meanwhile, LOAD_CACHE_KIB after."""
    conn.execute(f"PRAGMA cache_size = -{kib}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = -{LOAD_CACHE_KIB}")


def _create_tables(conn: sqlite3.Connection, plans: list[TablePlan]) -> None:
    """The plans' tables, empty, committed: their rows go in through another connection."""
    conn.execute("BEGIN")
    for plan in plans:
        conn.execute(table_sql(plan))
    conn.execute("COMMIT")


def _index_and_search(
    conn: sqlite3.Connection, plans: list[TablePlan], filled_apart: frozenset[str] = frozenset()
) -> None:
    """Each loaded table's indexes, then its external-content FTS5 table over the plan's text
    columns, filled in one pass; left empty for the tables in filled_apart, whose search
    tables a SearchFiles fills elsewhere and copies in."""
    for plan in plans:
        with _page_cache(conn, INDEX_SORT_CACHE_KIB):
            for col in plan.indexes:
                conn.execute(create_index_sql(plan.name, index_columns(plan, col)))
        if plan.fts_table:
            create, fill = fts_sql(plan.name, plan.fts_table, plan.fts_columns)
            conn.execute(create)
            if plan.name not in filled_apart:
                conn.execute(fill)


class SearchFiles:
    """The search tables of some loaded tables, filled by a thread in files of their own while
    the database's own connection loads and indexes (SQLite and Arrow run outside Python's
    lock, so the two use both cores), then copied into the database.

    Each file holds a table of the plan's name with only the searched columns, read from the
    CSV as the database holds them (text, null where empty), and the FTS5 table over it,
    created and filled by the same statements as in the database (`fts_sql`): its shadow
    tables are those the database would have filled, and `copy_into` moves them in. At a
    million transactions the fill takes 7 s, which then no longer adds to the database's time.
    tests/publish/test_sqlite.py holds the copied tables equal to those filled in place."""

    def __init__(self, plans: list[TablePlan], db_tmp: Path) -> None:
        self.plans = [p for p in plans if p.fts_table]
        self.paths = {
            p.name: db_tmp.with_name(f"{db_tmp.name}.{p.name}-search") for p in self.plans
        }
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._fill_all, name="search-files", daemon=True)
        self.thread.start()

    @property
    def names(self) -> frozenset[str]:
        return frozenset(p.name for p in self.plans)

    def _fill_all(self) -> None:
        try:
            for plan in self.plans:
                fill_search_file(plan, self.paths[plan.name])
        except BaseException as exc:  # noqa: BLE001 - raised again by the database's thread
            self.error = exc

    def copy_into(self, conn: sqlite3.Connection) -> None:
        """Wait for the files, then replace each search table's (empty) shadow tables in conn's
        database with theirs; the files are removed."""
        self.thread.join()
        try:
            if self.error is not None:
                raise self.error
            for plan in self.plans:
                _copy_shadow_tables(conn, plan, self.paths[plan.name])
        finally:
            self.remove()

    def remove(self) -> None:
        """Remove the files (after the thread has ended: it may still be writing one)."""
        self.thread.join()
        for path in self.paths.values():
            path.unlink(missing_ok=True)


def fill_search_file(plan: TablePlan, path: Path) -> None:
    """The plan's search table, filled in a database file of its own at path (see
    SearchFiles)."""
    _check_header(plan)
    path.unlink(missing_ok=True)
    cols = list(plan.fts_columns)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute(searched_columns_sql(plan.name, cols))
        with adbc_sqlite.connect(str(path), autocommit=True) as adbc, adbc.cursor() as cur:
            cur.execute("BEGIN")
            for batch in text_batches(plan.csv_path, plan.column_names, columns=cols):
                cur.adbc_ingest(plan.name, batch, mode="append")
            cur.execute("COMMIT")
        for sql in fts_sql(plan.name, plan.fts_table or "", cols):
            conn.execute(sql)
    finally:
        conn.close()


def _copy_shadow_tables(conn: sqlite3.Connection, plan: TablePlan, path: Path) -> None:
    """The rows of the search table's shadow tables (`{fts}_data`, `_idx`, `_docsize`,
    `_config`), those of the file at path in place of the database's, in one transaction."""
    conn.execute("ATTACH DATABASE ? AS search_file", (str(path),))
    try:
        prefix = f"{plan.fts_table}_"
        shadows = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM search_file.sqlite_master WHERE type = 'table'"
            )
            if name.startswith(prefix)
        ]
        if len(shadows) < 4:
            raise PublishError(f"{path}: holds no search table {plan.fts_table!r}")
        conn.execute("BEGIN")
        for name in shadows:
            conn.execute(f"DELETE FROM main.{quote(name)}")
            conn.execute(f"INSERT INTO main.{quote(name)} SELECT * FROM search_file.{quote(name)}")
        conn.execute("COMMIT")
    finally:
        if conn.in_transaction:  # a failed copy: undone, so that the file can be let go
            conn.execute("ROLLBACK")
        conn.execute("DETACH DATABASE search_file")


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


# A database written in steps by one worker process: `start_database` creates every table and
# loads those whose CSVs are already written (the build's transactions, while it derives the
# awards), `continue_database` loads more (the other core tables, while it curates), and
# `finish_database` loads the others and completes the file. What a step leaves open (the
# connection, and the threads filling the loaded tables' search files) is kept here, in the
# worker, by the path of the database it writes.
@dataclass
class _Begun:
    """A database begun in this worker: its connection (in a transaction), every table's plan,
    the tables loaded so far and the search files being filled for them."""

    conn: sqlite3.Connection
    plans: list[TablePlan]
    loaded: frozenset[str]
    searches: list[SearchFiles]

    def abandon(self, tmp_path: Path) -> None:
        """Close the connection, end the search threads and remove every file."""
        self.conn.close()
        for search in self.searches:
            search.remove()
        tmp_path.unlink(missing_ok=True)


_STARTED: dict[Path, _Begun | BaseException] = {}


def _tmp_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".tmp")


def start_database(
    data_dir: Path,
    db_path: Path,
    descriptor: dict[str, Any] | None = None,
    names: tuple[str, ...] = (),
) -> None:
    """Begin the SQLite file db_path of the package in data_dir: every table of the descriptor
    (by default the built one) created in its order, and the tables `names` loaded, indexed and
    made searchable. finish_database, in the same process, completes it."""
    data_dir, db_path = Path(data_dir), Path(db_path)
    tmp_path = _tmp_path(db_path)
    tmp_path.unlink(missing_ok=True)
    begun = _Begun(sqlite3.connect(tmp_path, isolation_level=None), [], frozenset(), [])
    _STARTED[db_path] = begun
    try:
        conn = begun.conn
        begun.plans = table_plans(data_dir, descriptor)
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA temp_store = FILE")
        conn.execute(f"PRAGMA cache_size = -{LOAD_CACHE_KIB}")
        _create_tables(conn, begun.plans)
        conn.execute("BEGIN")
    except BaseException as exc:
        begun.abandon(tmp_path)
        _STARTED[db_path] = exc
        raise
    continue_database(data_dir, db_path, names)


def continue_database(data_dir: Path, db_path: Path, names: tuple[str, ...]) -> None:
    """Load, index and make searchable the tables `names` (their CSVs written since) into the
    database start_database began in this process. Nothing begun here: nothing to do, and
    finish_database writes the database whole."""
    db_path = Path(db_path)
    begun = _STARTED.get(db_path)
    if not isinstance(begun, _Begun):
        return
    tmp_path = _tmp_path(db_path)
    more = [plan for plan in begun.plans if plan.name in names and plan.name not in begun.loaded]
    try:
        begun.conn.execute("COMMIT")  # the rows go in through a connection of their own
        search = SearchFiles(more, tmp_path)
        begun.searches.append(search)
        insert_rows(tmp_path, more)
        begun.conn.execute("BEGIN")
        _index_and_search(begun.conn, more, filled_apart=search.names)
    except BaseException as exc:
        begun.abandon(tmp_path)
        _STARTED[db_path] = exc
        raise
    begun.loaded |= {plan.name for plan in more}


def finish_database(data_dir: Path, db_path: Path) -> bool:
    """Complete the database start_database began in this process: the other tables loaded,
    foreign keys checked, the other indexes and search tables, statistics; then the file is
    renamed into place. If the built descriptor's tables are not those it was begun with, or
    nothing was begun here, the database is written whole instead. Returns whether the tables
    loaded first were kept."""
    data_dir, db_path = Path(data_dir), Path(db_path)
    tmp_path = _tmp_path(db_path)
    begun = _STARTED.pop(db_path, None)
    if isinstance(begun, BaseException):
        raise begun
    if begun is not None and begun.plans != table_plans(data_dir):
        begun.abandon(tmp_path)
        begun = None
    if begun is None:
        start_database(data_dir, db_path)
        finish_database(data_dir, db_path)
        return False
    conn, plans, loaded = begun.conn, begun.plans, begun.loaded
    try:
        conn.execute("COMMIT")
        rest = [plan for plan in plans if plan.name not in loaded]
        insert_rows(tmp_path, rest)
        conn.execute("BEGIN")
        _check_foreign_keys(conn, plans)
        _index_and_search(conn, rest)
        conn.execute("COMMIT")
        for search in begun.searches:  # before the statistics, which count their rows
            search.copy_into(conn)
        # Statistics from a sample of each index: as good for the planner here, and seconds
        # faster on a million rows than reading every index in full.
        conn.execute("PRAGMA analysis_limit = 10000")
        conn.execute("ANALYZE")
        # A fresh load leaves no free pages unless the search index merged its segments:
        # VACUUM (a rewrite of the whole file) only then.
        if conn.execute("PRAGMA freelist_count").fetchone()[0]:
            conn.execute("VACUUM")
        conn.execute("PRAGMA journal_mode = DELETE")
    except BaseException:
        begun.abandon(tmp_path)
        raise
    conn.close()
    os.replace(tmp_path, db_path)
    return bool(loaded)


def write_database(data_dir: Path, db_path: Path) -> None:
    """Write every resource of the built package in data_dir into the SQLite file db_path."""
    start_database(data_dir, db_path)
    finish_database(data_dir, db_path)


def add_tables(db_path: Path, plans: list[TablePlan]) -> None:
    """Add tables to an existing database (a private copy, never the build's file): loaded,
    type-checked, indexed and searchable exactly as write_database does for every resource."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        _create_tables(conn, plans)
        insert_rows(db_path, plans)
        conn.execute("BEGIN")
        _index_and_search(conn, plans)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    finally:
        conn.close()
