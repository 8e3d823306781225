"""Frictionless validation of the built package.

Two ways to run it:
- `validate_package`: stock frictionless on the whole descriptor, keys and foreign keys
  included, exactly what `frictionless validate datapackage.json` does. `awards validate`
  runs this by default.
- `validate_resources` (one resource: `validate_resource_values`): what the build runs.
  Frictionless checks a cell (its type, format and constraints) from the cell's text and its
  field alone, so a value that repeats in a column needs checking once. The build reads each
  published CSV with Arrow as text, checks its structure (header against the schema, the same
  number of cells on every row, no blank row), and gives frictionless every distinct value of
  every column as a one-field resource with that column's field definition, except the values it
  certainly accepts (`could_reject`): any text in a string of the default format with no
  constraint (descriptions and names), a string its own pattern check accepts (run here, the
  same regular expression compiled the same way), a plain decimal number in a number field
  without bounds, a plain integer within an integer field's bounds. Missing values
  are checked once per column, in one row beside a marker cell. Each error frictionless reports
  is mapped back to the first row holding that value (and counts the rows that share it), with
  frictionless's own message. A million transactions hold about two million distinct cells
  instead of 33 million; see docs/performance.md. A file whose structure is off is validated
  stock, row by row, so its errors are exactly frictionless's. Primary keys, unique fields and
  foreign keys are checked by frictionless too, on the rows and distinct keys that can break
  them, from the same reading of each file (`validate_resources`).
"""

from __future__ import annotations

import copy
import functools
import json
import re
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..metadata import table_resources
from ..tables import (
    PART_BYTES,
    PARTS_FROM_BYTES,
    read_header,
    read_in_parts,
    read_text_columns,
    read_text_table,
    text_table_parts,
)
from .result import Finding, ValidationResult

MAX_FINDINGS = 200
MARKER = "_row"  # the marker cell beside the missing values (never a schema field name)

Job = tuple[str, str, dict[str, Any]]  # resource name, CSV path, Table Schema
ErrorTuple = tuple[str, str, int | None]  # type, message, row number (header is row 1)


def validate_package(descriptor_path: Path) -> ValidationResult:
    """Run stock frictionless on the built descriptor, as `frictionless validate` would."""
    import frictionless

    start = time.perf_counter()
    report = frictionless.validate(str(descriptor_path))
    result = ValidationResult("frictionless")
    for task in report.tasks:
        result.checks_run += 1
        for err in task.errors[:MAX_FINDINGS]:
            row = getattr(err, "row_number", None)
            result.findings.append(Finding(task.name or "", err.type, err.message, row))
    for err in report.errors[:MAX_FINDINGS]:
        result.findings.append(Finding("package", err.type, err.message))
    result.details = {"mode": "stock", "rows": {t.name: t.stats.get("rows") for t in report.tasks}}
    result.seconds = time.perf_counter() - start
    return result


def row_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema without the checks that need the whole table (keys, unique)."""
    s = copy.deepcopy(schema)
    s.pop("primaryKey", None)
    s.pop("foreignKeys", None)
    for f in s["fields"]:
        f.get("constraints", {}).pop("unique", None)
    return s


def jobs(data_dir: Path) -> list[Job]:
    """One job per resource of a built data dir, largest file first."""
    desc = json.loads((data_dir / "datapackage.json").read_text(encoding="utf-8"))
    out = [
        (entry["name"], str(data_dir / entry["path"]), entry["schema"])
        for entry in table_resources(desc)
    ]
    return sorted(out, key=lambda j: -Path(j[1]).stat().st_size if Path(j[1]).exists() else 0)


def descriptor_errors(descriptor_path: Path) -> list[ErrorTuple]:
    """Frictionless's own check of the package descriptor (metadata, not data)."""
    import frictionless

    report = frictionless.Package.validate_descriptor(str(descriptor_path))
    return [(e.type, e.message, None) for e in report.errors[:MAX_FINDINGS]]


def validate_resource_values(job: Job) -> tuple[str, int, list[ErrorTuple], str]:
    """Frictionless checks of one published CSV: every distinct value of every column.

    Returns (resource, rows, errors, mode). Keys are left to `validate_resources`."""
    name, path_str, full_schema = job
    return _values(name, Path(path_str), row_schema(full_schema), _whole_text(job))


def _whole_text(job: Job) -> pa.Table | None:
    """Every cell of a published CSV as text, or None when its header or a row's cell count is
    off (then the value pass validates it stock, row by row)."""
    _, path_str, schema = job
    path, names = Path(path_str), [f["name"] for f in schema["fields"]]
    return read_text_table(path, names) if path.exists() and read_header(path) == names else None


def _values(
    name: str, path: Path, schema: dict[str, Any], table: pa.Table | None
) -> tuple[str, int, list[ErrorTuple], str]:
    if table is None:  # header or structure off: stock frictionless, row by row
        rows, errs = stock_rows(path, schema)
        return name, rows, errs, "stock"
    uniques = {f["name"]: pc.unique(table.column(f["name"])) for f in schema["fields"]}
    return _distinct_values(name, schema, table.num_rows, _blank_rows(table), uniques, table)


def _distinct_values(
    name: str,
    schema: dict[str, Any],
    rows: int,
    blank: list[int],
    uniques: dict[str, pa.Array],
    table: Any,
) -> tuple[str, int, list[ErrorTuple], str]:
    """The value pass on each column's distinct values (`uniques`, in the order they first
    appear); `table` (a pa.Table, or _WholeText) places an error at its first row."""
    errs: list[ErrorTuple] = [
        ("blank-row", f'Row at position "{r}" is completely blank', r) for r in blank
    ]
    missing_values = set(schema.get("missingValues", [""]))
    missing_array = pa.array(sorted(missing_values), pa.string())
    distinct, with_missing = [], []
    for pos, field in enumerate(schema["fields"], start=1):
        uniq = uniques[field["name"]]
        values = uniq.filter(pc.invert(pc.is_in(uniq, missing_array)))
        if len(sent := could_reject(field, values)):
            distinct.append((pos, field, sent))
        if len(values) < len(uniq):
            with_missing.append((pos, field))
    with tempfile.TemporaryDirectory(prefix=f"fl-{name}-") as tmp:
        for i, group in enumerate(column_groups(distinct)):
            errs.extend(_group_errors(schema, group, table, Path(tmp) / f"{i:03d}.csv"))
            if len(errs) >= MAX_FINDINGS:
                break
    errs.extend(_missing_errors(schema, with_missing, table, missing_values))
    return name, rows, errs[:MAX_FINDINGS], "distinct values"


class _WholeText:
    """A published CSV's text table, read whole the first time anything of it is read: only
    an error to place at its row (its first row holding a value, that row's cells) needs it."""

    def __init__(self, path: Path, names: list[str]) -> None:
        self.path, self.names = path, names
        self.table: pa.Table | None = None

    def __getattr__(self, attr: str) -> Any:
        if self.table is None:
            self.table = read_text_table(self.path, self.names)
        return getattr(self.table, attr)


@dataclass
class _Parts:
    """What one reading of a CSV in parts gives the value pass and the key checks."""

    rows: int
    blank: list[int]
    uniques: dict[str, pa.Array]
    keys: pa.Table


def _read_parts(job: Job, key_columns: list[str], part_bytes: int) -> _Parts | None:
    """Each column's distinct values (in the order they first appear), the blank rows and
    the key columns of a published CSV read in parts, or None when its header or a row's
    cell count is off (the whole reading then validates it stock)."""
    _, path_str, schema = job
    path, names = Path(path_str), [f["name"] for f in schema["fields"]]
    if not path.exists() or read_header(path) != names:
        return None
    invalid: list[int] = []
    rows, blank, keys = 0, [], []
    uniques: dict[str, list[pa.Array]] = {n: [] for n in names}
    pool = pa.default_memory_pool()
    for part in text_table_parts(path, names, part_bytes, invalid):
        blank += [r + rows for r in _blank_rows(part)]
        for n in names:
            uniques[n] = _merged_uniques([*uniques[n], pc.unique(part.column(n))])
        keys.append(part.select(key_columns))
        rows += part.num_rows
        del part
        pool.release_unused()  # the part's text goes back, not kept beside the next one's
    if invalid:
        return None
    distinct = {
        n: pc.unique(pa.concat_arrays(u)) if u else pa.array([], pa.string())
        for n, u in uniques.items()
    }
    kept = (
        pa.concat_tables(keys)
        if keys
        else pa.table({n: pa.array([], pa.string()) for n in key_columns})
    )
    return _Parts(rows, blank[:MAX_FINDINGS], distinct, kept)


def _merged_uniques(uniques: list[pa.Array]) -> list[pa.Array]:
    """Distinct values of successive parts, in the order they first appear, merged into one
    array once the later parts' hold as many values as the first: held apart, a column's
    values recurring in every part were held once per part (0.2 GB of the million
    transactions), and merged at every part, the first part's values were hashed again each
    time."""
    if len(uniques) > 1 and sum(len(u) for u in uniques[1:]) >= len(uniques[0]):
        return [pc.unique(pa.concat_arrays(uniques))]
    return uniques


def _value_constraints(field: dict[str, Any]) -> dict[str, Any]:
    """The field's constraints on each value alone: `required` is checked with the missing
    values, `unique` with the keys."""
    constraints = dict(field.get("constraints", {}))
    for checked_elsewhere in ("required", "unique"):
        constraints.pop(checked_elsewhere, None)
    return constraints


def accepts_any_text(field: dict[str, Any]) -> bool:
    """Whether frictionless accepts every text that is not a missing value in this field: a
    string of the default format whose only constraints are `required` (checked with the
    missing values) and `unique` (checked with the keys). Its values are not sent to it."""
    return (
        field.get("type", "any") == "string"
        and field.get("format", "default") == "default"
        and not _value_constraints(field)
    )


# Numbers frictionless certainly reads (Python's Decimal and int take them), whatever else it
# would also take; RE2's `$` is the end of the text.
PLAIN_DECIMAL = r"^-?[0-9]+(\.[0-9]+)?$"
PLAIN_INTEGER = r"^-?[0-9]{1,18}$"  # within int64
# field properties that change how frictionless reads a number
NUMBER_PROPERTIES = {"bareNumber", "groupChar", "decimalChar", "floatNumber"}
# A date in ISO form: frictionless reads it with `datetime.strptime`, run here on those values.
ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# A web address its `uri` format certainly accepts: rfc3986's validator, as frictionless sets
# it, asks for a scheme and nothing else, and this form has one.
PLAIN_WEB_ADDRESS = r"^(?i:https?)://[A-Za-z0-9.-]+(/[A-Za-z0-9._~/-]*)?$"


def could_reject(field: dict[str, Any], values: pa.Array) -> pa.Array:
    """The distinct values (no missing value among them) frictionless could find wrong in
    this field: all of them but those it certainly accepts, which are not sent to it.

    Certainly accepted: any text in a field `accepts_any_text`; in a string field of the
    default format whose only other constraint is `pattern`, a value that frictionless's own
    check accepts, run here (`re.compile("^{pattern}$").match`, as frictionless compiles and
    applies it); in a number field with no constraint and no number property, a plain decimal;
    in an integer field whose only other constraints are integer bounds, a plain integer
    within them; in a date field with no constraint, an ISO date that `datetime.strptime`
    reads with frictionless's pattern; in a `uri` string field with no constraint, a plain
    http(s) address. Everything else, odd forms included ("1e5", " 7", "NaN"), goes to
    frictionless. tests/core/test_frictionless_values.py holds the findings to stock
    frictionless's."""
    if accepts_any_text(field):
        return values.slice(0, 0)
    accepted = _certainly_accepted(field, values)
    if accepted is None:
        return values
    return values.filter(pc.invert(pc.fill_null(accepted, False)))


def _certainly_accepted(field: dict[str, Any], values: pa.Array) -> pa.Array | None:
    kind, constraints = field.get("type", "any"), _value_constraints(field)
    if kind == "string" and field.get("format") == "uri" and not constraints:
        return pc.match_substring_regex(values, PLAIN_WEB_ADDRESS)
    if field.get("format", "default") != "default":
        return None
    if kind == "date" and not constraints:
        return _reads_as_date(values)
    if kind == "string" and set(constraints) == {"pattern"}:
        match = re.compile(f"^{constraints['pattern']}$").match  # as frictionless does
        return pa.array([match(v) is not None for v in values.to_pylist()], pa.bool_())
    if NUMBER_PROPERTIES & set(field):
        return None
    if kind == "number" and not constraints:
        return pc.match_substring_regex(values, PLAIN_DECIMAL)
    bounds = {"minimum": pc.greater_equal, "maximum": pc.less_equal}
    if kind == "integer" and set(constraints) <= set(bounds):
        if not all(type(v) is int for v in constraints.values()):
            return None
        plain = pc.match_substring_regex(values, PLAIN_INTEGER)
        numbers = pc.cast(pc.if_else(plain, values, "0"), pa.int64())
        for name, limit in constraints.items():
            plain = pc.and_(plain, bounds[name](numbers, limit))
        return plain
    return None


def _reads_as_date(values: pa.Array) -> pa.Array:
    """Whether each value is an ISO date frictionless's date reading accepts: the same call
    with the same pattern, on the values of ISO form (at most one per day of the calendar)."""
    iso = pc.fill_null(pc.match_substring_regex(values, ISO_DATE), False)
    pairs = zip(iso.to_pylist(), values.to_pylist(), strict=True)
    return pa.array([ok and _strptime_reads(v) for ok, v in pairs], pa.bool_())


@functools.cache
def _strptime_reads(value: str) -> bool:
    """frictionless's reading of a date of the default format (fields/date.py), remembered:
    the same days recur in every date column of every resource."""
    from frictionless import settings

    try:
        datetime.strptime(value, settings.DEFAULT_DATE_PATTERN)
    except ValueError:
        return False
    return True


Distinct = tuple[int, dict[str, Any], pa.Array]  # field position, field, distinct values


def column_groups(distinct: list[Distinct], ratio: int = 2) -> list[list[Distinct]]:
    """Fields of similar numbers of distinct values, to check side by side in one file.

    A file is as long as its field with most values (the others repeat theirs), so fields
    are grouped within a factor `ratio` of each other: few files, few repeated cells."""
    groups: list[list[Distinct]] = []
    for item in sorted(distinct, key=lambda d: -len(d[2])):
        if groups and len(item[2]) * ratio >= len(groups[-1][0][2]):
            groups[-1].append(item)
        else:
            groups.append([item])
    return groups


def _group_errors(
    schema: dict[str, Any], group: list[Distinct], table: pa.Table, path: Path
) -> list[ErrorTuple]:
    """Frictionless on one CSV whose columns are the fields' distinct values, each column
    repeating its values to the length of the longest."""
    import frictionless
    from frictionless.formats import CsvControl

    rows = len(group[0][2])
    columns = {}
    for _, field, values in group:
        repeat = pa.array(np.arange(rows) % len(values))
        columns[field["name"]] = values if len(values) == rows else values.take(repeat)
    pacsv.write_csv(
        pa.table(columns), path, write_options=pacsv.WriteOptions(quoting_style="needed")
    )
    res = frictionless.Resource(
        path=path.name,
        basepath=str(path.parent),
        encoding="utf-8",
        dialect=frictionless.Dialect(controls=[CsvControl(delimiter=",")]),
        schema=frictionless.Schema.from_descriptor({**schema, "fields": [f for _, f, _ in group]}),
    )
    by_name = {f["name"]: (pos, values) for pos, f, values in group}
    out, seen = [], set()
    for err in res.validate(limit_errors=MAX_FINDINGS * 4).tasks[0].errors:
        if not isinstance(err, frictionless.errors.CellError):
            out.append((err.type, err.message, None))
            continue
        pos, values = by_name[err.field_name]
        value = values[(err.row_number - 2) % len(values)].as_py()
        if (err.field_name, value) not in seen:  # a repeated value, reported once
            seen.add((err.field_name, value))
            out.append(_relocated(err, err.field_name, pos, value, table))
    return out


def stock_rows(path: Path, schema: dict[str, Any]) -> tuple[int, list[ErrorTuple]]:
    import frictionless

    res = frictionless.Resource(
        path=path.name,
        basepath=str(path.parent),
        schema=frictionless.Schema.from_descriptor(schema),
    )
    task = res.validate().tasks[0]
    errs = [(e.type, e.message, getattr(e, "row_number", None)) for e in task.errors]
    return int(task.stats.get("rows") or 0), errs[:MAX_FINDINGS]


def _blank_rows(table: pa.Table) -> list[int]:
    """Row numbers (header = 1) of rows whose every cell is empty."""
    if table.num_columns == 0 or table.num_rows == 0:
        return []
    empty = pc.equal(table.column(0), "")
    for column in table.columns[1:]:
        empty = pc.and_(empty, pc.equal(column, ""))
    hits = pc.indices_nonzero(empty).to_pylist()[:MAX_FINDINGS]
    return [i + 2 for i in hits]


def _missing_errors(
    schema: dict[str, Any],
    fields: list[tuple[int, dict[str, Any]]],
    table: pa.Table,
    missing_values: set[str],
) -> list[ErrorTuple]:
    """Missing cells, checked once per column: one row of empty cells beside a marker."""
    import frictionless

    if not fields:
        return []
    mini = {**schema, "fields": [{"name": MARKER, "type": "string"}] + [f for _, f in fields]}
    res = frictionless.Resource(
        data=[[MARKER, *(f["name"] for _, f in fields)], ["1", *("" for _ in fields)]],
        schema=frictionless.Schema.from_descriptor(mini),
    )
    position = {f["name"]: pos for pos, f in fields}
    out = []
    for err in res.validate().tasks[0].errors:
        if not isinstance(err, frictionless.errors.CellError):
            out.append((err.type, err.message, None))
            continue
        column = table.column(err.field_name)
        value = next(v for v in missing_values if pc.any(pc.equal(column, v)).as_py())
        out.append(_relocated(err, err.field_name, position[err.field_name], value, table))
    return out


def _relocated(err: Any, field_name: str, pos: int, value: str, table: pa.Table) -> ErrorTuple:
    """The error as stock frictionless reports it, at the first row holding the value."""
    column = table.column(field_name)
    first = pc.index(column, value).as_py()
    count = pc.sum(pc.equal(column, value)).as_py()
    cells = [table.column(i)[first].as_py() for i in range(table.num_columns)]
    moved = attrs.evolve(err, row_number=first + 2, field_number=pos, cells=cells)
    more = f" (the same value in {count - 1} more rows)" if count > 1 else ""
    return moved.type, moved.message + more, first + 2


def collect(
    results: list[tuple[str, int, list[ErrorTuple], str]],
    package_errors: list[ErrorTuple],
    seconds: float,
) -> ValidationResult:
    result = ValidationResult("frictionless")
    rows: dict[str, int] = {}
    modes: dict[str, str] = {}
    result.checks_run += 1  # the descriptor
    for etype, message, _ in package_errors:
        result.findings.append(Finding("package", etype, message))
    for name, n_rows, errs, mode in results:
        result.checks_run += 1
        rows[name] = n_rows
        modes[name] = mode
        for etype, message, row in errs:
            result.findings.append(Finding(name, etype, message, row))
    result.details = {
        "mode": "every distinct value of every column; keys over the rows that can break them;"
        " foreign keys over distinct key values",
        "modes": modes,
        "rows": rows,
    }
    result.seconds = seconds
    return result


# ---- keys --------------------------------------------------------------------------------


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _bare(field: dict[str, Any]) -> dict[str, Any]:
    """A field without its constraints: cell errors were reported by the value pass."""
    return {k: v for k, v in field.items() if k != "constraints"}


def _key_candidates(keys: pa.Table) -> pa.Array:
    """Indices of the rows that can break a uniqueness: a repeated key, or an empty part."""
    indexed = keys.append_column("_i", pa.array(np.arange(keys.num_rows)))
    counts = indexed.group_by(keys.column_names).aggregate([("_i", "count"), ("_i", "list")])
    repeated = counts.filter(pc.greater(counts["_i_count"], 1))["_i_list"]
    hits = pc.list_flatten(repeated.combine_chunks()) if len(repeated) else pa.array([], pa.int64())
    empty = pc.equal(keys.column(0).combine_chunks(), "")
    for col in keys.columns[1:]:
        empty = pc.or_(empty, pc.equal(col.combine_chunks(), ""))
    both = pa.concat_arrays([hits.cast(pa.int64()), pc.indices_nonzero(empty).cast(pa.int64())])
    return pc.unique(both.take(pc.sort_indices(both)))


def _unique_errors(
    schema: dict[str, Any], key: list[str], unique: bool, table: pa.Table, cells: Any
) -> list[ErrorTuple]:
    """Frictionless's primary-key (or unique) check on the rows that can break it."""
    import frictionless

    rows = _key_candidates(table.select(key))
    if not len(rows):
        return []
    fields = [_bare(f) for f in schema["fields"] if f["name"] in key]
    fields.sort(key=lambda f: key.index(f["name"]))
    if unique:
        fields[0]["constraints"] = {"unique": True}
    sub = table.select(key).take(rows)
    data = [key, *zip(*(sub.column(k).to_pylist() for k in key), strict=True)]
    desc: dict[str, Any] = {"fields": fields, "missingValues": schema.get("missingValues", [""])}
    if not unique:
        desc["primaryKey"] = key
    res = frictionless.Resource(data=data, schema=frictionless.Schema.from_descriptor(desc))
    out = []
    for err in res.validate(limit_errors=MAX_FINDINGS).tasks[0].errors:
        if err.type == "blank-row":  # an empty key cell alone; the value pass reports blank rows
            continue
        row = rows[err.row_number - 2].as_py() + 2 if getattr(err, "row_number", None) else None

        def published(m: re.Match[str]) -> str:
            return f"row at position {rows[int(m.group(1)) - 2].as_py() + 2}"

        note = _OTHER_ROW.sub(published, getattr(err, "note", ""))
        out.append((err.type, _at_row(err, row, cells, note=note), row))
    return out


_OTHER_ROW = re.compile(r"row at position (\d+)")


def _at_row(err: Any, row: int | None, table: pa.Table, **changes: Any) -> str:
    """The error's message with the published row's position, cells and field position."""
    if row is None:
        return err.message
    cells = [table.column(i)[row - 2].as_py() for i in range(table.num_columns)]
    if getattr(err, "field_name", None):
        changes["field_number"] = table.column_names.index(err.field_name) + 1
    return attrs.evolve(err, row_number=row, cells=cells, **changes).message


def _foreign_key_errors(
    fk: dict[str, Any],
    schema: dict[str, Any],
    table: pa.Table,
    parent: pa.Table,
    ref: tuple[str, dict[str, Any]],
) -> list[ErrorTuple]:
    """Frictionless's foreign-key check of the child keys that can break it (distinct, and
    not found as text among the parent's keys) against the parent's distinct keys."""
    import frictionless

    fields, ref_fields = _as_list(fk["fields"]), _as_list(fk["reference"]["fields"])
    child = table.select(fields).group_by(fields).aggregate([])
    empty = pc.equal(child.column(fields[0]), "")
    for f in fields[1:]:
        empty = pc.and_(empty, pc.equal(child.column(f), ""))
    child = child.filter(pc.invert(empty))  # no key given: nothing to look up
    parent_keys = parent.select(ref_fields).group_by(ref_fields).aggregate([])
    # A key whose text is among the parent's keys cannot break the foreign key (published
    # values are written one way); frictionless checks the others, if any.
    child = child.join(
        parent_keys.rename_columns(fields), keys=fields, join_type="left anti"
    ).sort_by([(f, "ascending") for f in fields])
    if child.num_rows == 0:
        return []
    by_name = {f["name"]: f for f in schema["fields"]}
    ref_name, ref_schema = ref
    parent_by_name = {f["name"]: f for f in ref_schema["fields"]}
    parent_fields = [_bare(parent_by_name[r]) for r in ref_fields]
    child_desc = {
        "fields": [_bare(by_name[f]) for f in fields],
        "missingValues": schema.get("missingValues", [""]),
        "foreignKeys": [
            {"fields": fields, "reference": {"resource": "parent", "fields": ref_fields}}
        ],
    }
    child_rows = list(zip(*(child.column(f).to_pylist() for f in fields), strict=True))
    parent_rows = list(zip(*(parent_keys.column(f).to_pylist() for f in ref_fields), strict=True))
    package = frictionless.Package(
        resources=[
            frictionless.Resource(
                name="child",
                data=[fields, *child_rows],
                schema=frictionless.Schema.from_descriptor(child_desc),
            ),
            frictionless.Resource(
                name="parent",
                data=[ref_fields, *parent_rows],
                schema=frictionless.Schema.from_descriptor(
                    {"fields": parent_fields, "missingValues": schema.get("missingValues", [""])}
                ),
            ),
        ]
    )
    out = []
    errors = package.get_resource("child").validate(limit_errors=MAX_FINDINGS).tasks[0].errors
    for err in errors:
        if not isinstance(err, frictionless.errors.ForeignKeyError):
            out.append((err.type, err.message, None))
            continue
        key = child_rows[err.row_number - 2]
        match = pc.equal(table.column(fields[0]), key[0])
        for f, v in zip(fields[1:], key[1:], strict=True):
            match = pc.and_(match, pc.equal(table.column(f), v))
        hits = pc.indices_nonzero(match)
        row = hits[0].as_py() + 2
        more = f" (the same value in {len(hits) - 1} more rows)" if len(hits) > 1 else ""
        message = _at_row(err, row, table).replace(
            'lookup table "parent"', f'lookup table "{ref_name}"'
        )
        out.append((err.type, message + more, row))
    return out


def _key_text(job: Job, whole: pa.Table | None) -> pa.Table | None:
    """The text the key checks read: the value pass's own reading, or (when that pass went
    stock) the schema's columns read by name."""
    if whole is not None:
        return whole
    _, path_str, schema = job
    return read_text_columns(Path(path_str), [f["name"] for f in schema["fields"]])


def _own_keys(schema: dict[str, Any]) -> list[tuple[list[str], bool]]:
    """The primary key and the unique fields of one resource (True: a unique field)."""
    keys = [(_as_list(schema["primaryKey"]), False)] if schema.get("primaryKey") else []
    return keys + [
        ([f["name"]], True) for f in schema["fields"] if f.get("constraints", {}).get("unique")
    ]


def _own_key_errors(schema: dict[str, Any], table: Any, cells: Any = None) -> list[ErrorTuple]:
    """The primary key and the unique fields of one resource, from `table`'s key columns;
    `cells` (by default `table`) gives an error's row."""
    return [
        e
        for key, unique in _own_keys(schema)
        for e in _unique_errors(schema, key, unique, table, table if cells is None else cells)
    ]


def _kept_columns(job_list: list[Job]) -> dict[str, set[str]]:
    """The columns of each resource that a foreign key reads, its own or another's."""
    kept: dict[str, set[str]] = {name: set() for name, _, _ in job_list}
    for name, _, schema in job_list:
        for fk in schema.get("foreignKeys", []):
            kept[name].update(_as_list(fk["fields"]))
            ref = fk["reference"].get("resource") or name
            kept.setdefault(ref, set()).update(_as_list(fk["reference"]["fields"]))
    return kept


def validate_resources(
    job_list: list[Job], parts_from: int = PARTS_FROM_BYTES, part_bytes: int = PART_BYTES
) -> list[tuple[str, int, list[ErrorTuple], str]]:
    """Frictionless on every resource: its distinct values, its primary key and unique fields,
    then the foreign keys between resources. Each CSV is parsed once: the value pass and the
    key checks share its text, and only the columns foreign keys read are kept for the last
    step. A CSV of `parts_from` bytes or more is read in parts of `part_bytes` (_read_parts),
    and whole again only if an error is to be placed at its row."""
    kept_columns = _kept_columns(job_list)
    kept: dict[str, pa.Table | None] = {}
    results = []
    for job in job_list:
        name, path_str, schema = job
        path = Path(path_str)
        key_columns = sorted({c for k, _ in _own_keys(schema) for c in k} | kept_columns[name])
        parts = None
        if read_in_parts(path, parts_from):
            parts = _read_parts(job, key_columns, part_bytes)
        if parts is not None:
            whole = _WholeText(path, [f["name"] for f in schema["fields"]])
            name, rows, errs, mode = _distinct_values(
                name, row_schema(schema), parts.rows, parts.blank, parts.uniques, whole
            )
            keys = _own_key_errors(schema, parts.keys, whole)
            kept[name] = parts.keys.select(sorted(kept_columns[name]))
            results.append((name, rows, errs, mode, keys))
            del parts, whole
            continue
        whole = _whole_text(job)
        name, rows, errs, mode = _values(name, path, row_schema(schema), whole)
        table = _key_text(job, whole)
        keys = _own_key_errors(schema, table) if table is not None else []
        kept[name] = table.select(sorted(kept_columns[name])) if table is not None else None
        results.append((name, rows, errs, mode, keys))
        del whole, table
    by_name = {name: job for job in job_list for name in [job[0]]}
    return [
        (
            name,
            rows,
            errs + (keys + _foreign_errors(by_name[name], by_name, kept))[:MAX_FINDINGS],
            mode,
        )
        for name, rows, errs, mode, keys in results
    ]


def _foreign_errors(
    job: Job, jobs_by_name: dict[str, Job], kept: dict[str, pa.Table | None]
) -> list[ErrorTuple]:
    """The foreign keys of one resource, on the key columns kept of it and of its parents (a
    foreign-key error names its row and values, not the row's other cells)."""
    name, _, schema = job
    errs: list[ErrorTuple] = []
    for fk in schema.get("foreignKeys", []):
        ref = fk["reference"].get("resource") or name
        parent = kept.get(ref) if ref in jobs_by_name else None
        child = kept[name]
        if child is None:  # unreadable by name: its structure error is the value pass's
            continue
        if parent is None:
            errs.append(("foreign-key", f"referenced resource {ref} is missing", None))
            continue
        ref_schema = (ref, jobs_by_name[ref][2])
        errs += _foreign_key_errors(fk, schema, child, parent, ref_schema)
    return errs
