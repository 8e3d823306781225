"""The SQLite schema of a resource, written from its Table Schema: the one place that says what
a table, an index or a full-text index of the database is.

Column types come from `metadata.types.sqlite_type`; keys, unique columns and foreign keys from
the Table Schema. The publish step decides which tables, indexes and search columns the site
needs (`publish/plan.py`) and loads the rows (`publish/sqlite.py`); it writes no DDL of its own.

A value's form in SQLite is also said here, once: how a CSV cell of each type is checked before
it is stored (`VALUE_RULES`), so that a wrong value is reported with its file and line instead
of being stored as text in a typed column.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .types import Field, sqlite_type, value_kind

# Dates and datetimes stay ISO 8601 text in SQLite (they sort and compare in date order);
# these are the forms a value must have (RE2 and Python `re` alike, whole value).
DATE_REGEX = r"^[0-9]{4}-[0-1][0-9]-[0-3][0-9]$"
DATETIME_REGEX = r"^[0-9]{4}-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9](?s:.*)$"


@dataclass(frozen=True)
class ValueRule:
    """How a CSV cell of one Table Schema type is stored: as which SQLite value (`kind`:
    integer, real, boolean 0/1, or text), checked against which whole-value regex, and how a
    wrong value is described in the error."""

    kind: str
    expected: str
    regex: str | None = None


VALUE_RULES = {
    "integer": ValueRule("integer", "an integer"),
    "usd": ValueRule("real", "a number"),
    "number": ValueRule("real", "a number"),
    "boolean": ValueRule("boolean", "true or false"),
    "date": ValueRule("text", "a date YYYY-MM-DD", DATE_REGEX),
    "datetime": ValueRule("text", "a datetime YYYY-MM-DDTHH:MM:SSZ", DATETIME_REGEX),
}
TEXT_RULE = ValueRule("text", "text")


def value_rule(field: Field) -> ValueRule:
    """How the field's values are checked and stored in SQLite."""
    return VALUE_RULES.get(value_kind(field), TEXT_RULE)


def quote(identifier: str) -> str:
    """SQLite identifier quoting."""
    return '"' + identifier.replace('"', '""') + '"'


def _names(columns: Iterable[str]) -> str:
    return ", ".join(quote(c) for c in columns)


@dataclass(frozen=True)
class SqliteForeignKey:
    """A foreign key SQLite can declare: the other table's columns are its key or unique."""

    columns: tuple[str, ...]
    other_table: str
    other_columns: tuple[str, ...]


def create_table_sql(
    name: str,
    fields: Sequence[Field],
    primary_key: Sequence[str] = (),
    unique: Sequence[str] = (),
    foreign_keys: Sequence[SqliteForeignKey] = (),
) -> str:
    """CREATE TABLE for a resource: each field with its SQLite type, NOT NULL where required or
    part of the primary key, then the primary key, unique columns and foreign keys."""
    lines = []
    for f in fields:
        required = f.get("constraints", {}).get("required") or f["name"] in primary_key
        not_null = " NOT NULL" if required else ""
        lines.append(f"  {quote(f['name'])} {sqlite_type(f)}{not_null}")
    if primary_key:
        lines.append(f"  PRIMARY KEY ({_names(primary_key)})")
    for col in unique:
        lines.append(f"  UNIQUE ({quote(col)})")
    for fk in foreign_keys:
        lines.append(
            f"  FOREIGN KEY ({_names(fk.columns)}) "
            f"REFERENCES {quote(fk.other_table)} ({_names(fk.other_columns)})"
        )
    return f"CREATE TABLE {quote(name)} (\n" + ",\n".join(lines) + "\n)"


def index_name(table: str, leading_column: str) -> str:
    return f"idx_{table}_{leading_column}"


def create_index_sql(table: str, columns: Sequence[str]) -> str:
    """CREATE INDEX named after the table and its leading column."""
    return (
        f"CREATE INDEX {quote(index_name(table, columns[0]))} ON {quote(table)} ({_names(columns)})"
    )


def fts_sql(table: str, fts_table: str, columns: Sequence[str]) -> tuple[str, str]:
    """(CREATE, fill) of an external-content FTS5 table with porter stemming over the table's
    text columns, which Datasette detects; filled in one pass over the table."""
    cols = _names(columns)
    create = (
        f"CREATE VIRTUAL TABLE {quote(fts_table)} USING FTS5 ({cols}, "
        f"tokenize='porter', content={quote(table)})"
    )
    fill = (
        f"INSERT INTO {quote(fts_table)} (rowid, {cols}) SELECT rowid, {cols} FROM {quote(table)}"
    )
    return create, fill


def searched_columns_sql(table: str, columns: Sequence[str]) -> str:
    """CREATE TABLE of a table holding only a table's searched (text) columns, under its name:
    the content its search table is filled from in a file of its own (publish/sqlite.py)."""
    return f"CREATE TABLE {quote(table)} ({', '.join(f'{quote(c)} TEXT' for c in columns)})"
