"""Reading the package's own CSV tables (built, released, reviewed), in one place.

The readings, each with its use, typed (where they type) by `metadata.types`:
- as text (`read_text_csv`, `read_built`): every cell the text it is ("" where empty, never
  NaN, UTF-8), so that a value is what was published until a caller converts it on purpose;
- exactly typed Arrow (`read_csv_table`): the header must be the schema's and every value must
  fit its type, or the error names file, row and column (releases, Parquet, verification);
- tolerant typed pandas (`read_frame`): what the validators read, since they must report a
  value that does not convert rather than fail on it;
- text as Arrow (`read_header`, `read_text_table`, `read_text_columns`, `text_batches`,
  `text_records`): every cell's text, whole or a block at a time, for the checks that must see
  what was written (frictionless's value pass) and for the database loader;
- checked typed pandas (`read_checked_csvs`): reviewed tables, validated together by
  frictionless against their Table Schemas and the foreign keys between them on the way in (each
  problem one line naming file, line and column), then typed as `metadata.types` says.
Published tables are written by `write.csv`, which also orders and types them by their schema.
"""

from __future__ import annotations

import contextlib
import csv
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .jsonfiles import canonical_json
from .metadata import Resource
from .metadata.types import (
    DATE_FORMAT,
    DATETIME_FORMAT,
    arrow_read_type,
    arrow_type,
    boolean_values,
    pandas_dtype,
    value_kind,
)

# Text as the package holds it in pandas: the "str" dtype (what `dtype=str` gives), in Arrow,
# missing as NaN. Readers, transforms and validators ask here.
TEXT_DTYPE = pd.StringDtype("pyarrow", na_value=float("nan"))

# A published CSV this large or larger is read by the validators in parts of PART_BYTES
# (read_frame_parts, text_table_parts): the million transactions are 680 MB of CSV and a
# gigabyte read whole. Each validator keeps of it only what its later checks read.
PARTS_FROM_BYTES = 64 << 20
PART_BYTES = 32 << 20
# The block Arrow's streaming reader parses at a time. Parsing blocks ahead, it holds many times
# its block: reading the million transactions and letting each block go, it held 0.8 GB with
# 32 MB blocks, 0.4 GB with 8 MB blocks, 0.15 GB with 2 MB blocks and 0.06 GB with 512 KB
# blocks, in the same time. A part is the blocks read since the last one (_joined_blocks).
READ_BLOCK_BYTES = 512 << 10


def read_in_parts(path: Path, parts_from: int = PARTS_FROM_BYTES) -> bool:
    """Whether a published CSV is large enough to be read in parts (it exists, of
    `parts_from` bytes or more)."""
    return path.exists() and path.stat().st_size >= parts_from


SCHEMA_METADATA_KEY = b"frictionless:schema"


class BuiltTableMissing(FileNotFoundError):
    """A table the command needs was not built (yet)."""


def read_text_csv(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """A CSV of the package with every cell as text."""
    return pd.read_csv(
        path, dtype=str, keep_default_na=False, na_values=[], encoding="utf-8", usecols=columns
    )


def write_text_csv(frame: pd.DataFrame, path: Path) -> None:
    """A frame of text as CSV: UTF-8, header, \\n line endings, no index. (Published tables are
    written by `write.csv`, which also orders and types them by their schema.)"""
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def read_built(data_dir: Path, name: str, columns: list[str] | None = None) -> pd.DataFrame:
    """A built table of data_dir (`<name>.csv`) as text; a clear error when it is not there."""
    path = Path(data_dir) / f"{name}.csv"
    if not path.exists():
        raise BuiltTableMissing(f"{path}: not found; run `awards build` first")
    return read_text_csv(path, columns)


# ---- text, as Arrow (what the value checks and the database loader read) ------------------


def read_header(path: Path) -> list[str] | None:
    """The header row of a CSV (a leading byte-order mark dropped); None for an empty file."""
    with path.open(newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh), None)
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    return header


def text_records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(physical line, cells) of every data row, row by row in Python: for finding the line
    behind an error, not for loading."""
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        for row in reader:
            yield reader.line_num, row


def text_batches(path: Path, names: list[str], columns: list[str] | None = None) -> Any:
    """The data rows a block of READ_BLOCK_BYTES at a time (an Arrow RecordBatch reader), every
    cell text and null where empty (only `columns` of them when given): bounded memory whatever
    the file's size."""
    return pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(block_size=READ_BLOCK_BYTES),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            include_columns=columns,
            column_types={n: pa.string() for n in names},
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )


def read_text_table(path: Path, names: list[str]) -> pa.Table | None:
    """Every cell as text ("" where empty), or None when a row's cell count is off."""
    invalid: list[int] = []
    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(use_threads=True),
        parse_options=_text_parsing(invalid),
        convert_options=_text_conversion(names),
    )
    return None if invalid else table


def text_table_parts(
    path: Path, names: list[str], part_bytes: int, invalid: list[int]
) -> Iterator[pa.Table]:
    """read_text_table's table in parts of about part_bytes of CSV each. The line numbers of
    rows whose cell count is off are added to `invalid` (and the rows left out) as they are
    met: the whole is read_text_table's only if `invalid` is empty once every part is read."""
    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(block_size=min(part_bytes, READ_BLOCK_BYTES)),
        parse_options=_text_parsing(invalid),
        convert_options=_text_conversion(names),
    )
    yield from _joined_blocks(reader, part_bytes)


def _joined_blocks(reader: Any, part_bytes: int) -> Iterator[pa.Table]:
    """The blocks of a streaming CSV reader, joined into tables of about part_bytes of CSV
    each, the Arrow pool's free memory handed back after each (it keeps it otherwise, and
    the next table's blocks are read beside it)."""
    per_part = max(1, part_bytes // READ_BLOCK_BYTES)
    pool, blocks = pa.default_memory_pool(), []
    for batch in reader:
        blocks.append(batch)
        if len(blocks) == per_part:
            yield pa.Table.from_batches(blocks)
            blocks = []
            pool.release_unused()
    if blocks:
        yield pa.Table.from_batches(blocks)


def _text_parsing(invalid: list[int]) -> pacsv.ParseOptions:
    def on_invalid(row: Any) -> str:
        invalid.append(row.number)
        return "skip"

    return pacsv.ParseOptions(
        newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=on_invalid
    )


def _text_conversion(names: list[str]) -> pacsv.ConvertOptions:
    return pacsv.ConvertOptions(
        column_types={n: pa.string() for n in names},
        null_values=[],
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )


def read_text_columns(path: Path, columns: list[str]) -> pa.Table | None:
    """The named columns of a published CSV as text, or None when it cannot be read so (its
    structure error is reported by the value pass)."""
    try:
        return pacsv.read_csv(
            path,
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                include_columns=columns,
                column_types={n: pa.string() for n in columns},
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, KeyError, FileNotFoundError):
        return None


# ---- exactly typed Arrow -----------------------------------------------------------------


class TableTypeError(ValueError):
    """A CSV value that does not fit the type its schema gives it."""


def arrow_schema(schema: Mapping[str, Any]) -> pa.Schema:
    """The Arrow schema of a resource: types, nullability and descriptions from its Table Schema."""
    fields = []
    for f in schema["fields"]:
        meta = {"description": f.get("description", "")}
        if "unit" in f:
            meta["unit"] = f["unit"]
        required = bool(f.get("constraints", {}).get("required", False))
        fields.append(pa.field(f["name"], arrow_type(f), nullable=not required, metadata=meta))
    payload = canonical_json(schema)
    return pa.schema(fields, metadata={SCHEMA_METADATA_KEY: payload.encode("utf-8")})


def _first_bad(values: pa.Array, convert: Any) -> int:
    for i in range(len(values)):
        try:
            convert(values.slice(i, 1))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
            return i
    return -1


def _booleans(field: Mapping[str, Any]) -> Any:
    true_values, false_values = boolean_values(field)

    def convert(values: pa.Array) -> pa.Array:
        is_true = pc.is_in(values, pa.array(true_values))
        is_false = pc.is_in(values, pa.array(false_values))
        if not pc.all(pc.or_(is_true, is_false), min_count=0).as_py():  # empty: all valid
            raise ValueError("not one of the schema's true or false values")
        return is_true

    return convert


def _converter(field: Mapping[str, Any], target: pa.DataType) -> Any:
    if value_kind(field) == "boolean":
        return _booleans(field)
    if value_kind(field) == "datetime":
        return lambda v: pc.cast(pc.strptime(v, format=DATETIME_FORMAT, unit="s"), target)
    if pa.types.is_string(target):
        return lambda v: v
    return lambda v: pc.cast(v, target)


def convert_column(texts: pa.Array, field: Mapping[str, Any], where: str) -> pa.Array:
    """One CSV column (as text) converted to its Arrow type; "" becomes null."""
    target = arrow_type(field)
    texts = texts.combine_chunks() if isinstance(texts, pa.ChunkedArray) else texts
    present = pc.not_equal(texts, "")
    values = pc.filter(texts, present)
    convert = _converter(field, target)
    try:
        converted = convert(values)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError) as exc:
        bad = _first_bad(values, convert)
        row = int(pc.indices_nonzero(present)[bad].as_py()) + 1 if bad >= 0 else 0
        value = values[bad].as_py() if bad >= 0 else ""
        raise TableTypeError(
            f"{where}, data row {row}, column {field['name']}: {value!r} is not a valid "
            f"{field.get('type')} for {target} ({exc})"
        ) from None
    # Put the converted values back at their positions; nulls where the text was "".
    positions = pc.subtract(pc.cumulative_sum(pc.cast(present, pa.int64())), 1)
    taken = pc.take(converted, pc.if_else(present, positions, pa.scalar(None, pa.int64())))
    return taken.cast(target)


TABLE_BLOCK_BYTES = 1 << 26  # the block Arrow's reader parses at a time, on each core


def read_csv_table(csv_path: Path, schema: Mapping[str, Any]) -> pa.Table:
    """A published CSV as an Arrow table typed from its Table Schema.

    Raises TableTypeError when the header differs from the schema's field names or a value does
    not fit its type.
    """
    names = [f["name"] for f in schema["fields"]]
    options = pacsv.ConvertOptions(
        column_types={n: pa.string() for n in names},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    read = pacsv.ReadOptions(block_size=TABLE_BLOCK_BYTES)
    parse = pacsv.ParseOptions(newlines_in_values=True)  # a quoted value may hold line breaks
    try:
        raw = pacsv.read_csv(
            csv_path, read_options=read, parse_options=parse, convert_options=options
        )
    except pa.ArrowInvalid as exc:
        raise TableTypeError(f"{csv_path}: cannot be read as CSV: {exc}") from None
    if raw.column_names != names:
        raise TableTypeError(
            f"{csv_path}, row 1: header {raw.column_names} differs from the schema's fields {names}"
        )
    target = arrow_schema(schema)
    arrays = [convert_column(raw[f["name"]], f, str(csv_path)) for f in schema["fields"]]
    return pa.Table.from_arrays(arrays, schema=target)


# ---- tolerant typed pandas ---------------------------------------------------------------

_PANDAS_OF_ARROW = {
    pa.int64(): pd.Int64Dtype(),
    pa.string(): TEXT_DTYPE,
    pa.bool_(): pd.BooleanDtype(),
}


def _typed_options(types: dict[str, Any]) -> pacsv.ConvertOptions:
    return pacsv.ConvertOptions(
        column_types=types,
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )


def _arrow_read(path: Path, types: dict[str, Any]) -> pd.DataFrame:
    table = pacsv.read_csv(path, convert_options=_typed_options(types))
    return table.to_pandas(types_mapper=_PANDAS_OF_ARROW.get)


def _dates_typed(frame: pd.DataFrame, res: Resource) -> pd.DataFrame:
    for f in res.fields:
        if value_kind(f) == "date" and f["name"] in frame:
            frame[f["name"]] = pd.to_datetime(frame[f["name"]], format=DATE_FORMAT, errors="coerce")
    return frame


def read_frame_parts(data_dir: Path, res: Resource, part_bytes: int) -> Iterator[pd.DataFrame]:
    """read_frame's frame in parts of about part_bytes of CSV each, each part indexed by its
    rows' positions in the whole file: for checks of one row at a time over a file too large
    to hold whole. Raises pyarrow.ArrowInvalid where a value does not convert to its type
    (read_frame then reads the file as text)."""
    types = {f["name"]: arrow_read_type(f) for f in res.fields}
    reader = pacsv.open_csv(
        data_dir / f"{res.name}.csv",
        read_options=pacsv.ReadOptions(block_size=min(part_bytes, READ_BLOCK_BYTES)),
        convert_options=_typed_options(types),
    )
    start = 0
    for table in _joined_blocks(reader, part_bytes):
        frame = table.to_pandas(types_mapper=_PANDAS_OF_ARROW.get)
        del table
        frame.index = pd.RangeIndex(start, start + len(frame))
        start += len(frame)
        yield _dates_typed(frame, res)


def read_frame(data_dir: Path, res: Resource) -> pd.DataFrame:
    """A published CSV with the pandas dtypes its schema gives; dates as datetime64, missing
    as NA.

    Read with Arrow (several times faster than pandas' reader on large files). A column whose
    values do not convert stays text, so that the validators report the wrong type instead of
    the reading failing."""
    path = data_dir / f"{res.name}.csv"
    try:
        frame = _arrow_read(path, {f["name"]: arrow_read_type(f) for f in res.fields})
    except pa.ArrowInvalid:
        frame = _arrow_read(path, {f["name"]: pa.string() for f in res.fields})
        for f in res.fields:
            dtype = pandas_dtype(f)
            if dtype not in ("str", "datetime64[ns]") and f["name"] in frame:
                with contextlib.suppress(TypeError, ValueError):  # left as text: reported
                    frame[f["name"]] = frame[f["name"]].astype(dtype)
    return _dates_typed(frame, res)


# ---- checked typed pandas (reviewed tables) ----------------------------------------------


class TableError(ValueError):
    """A table that does not hold to its Table Schema; the message lists every problem, one per
    line, each naming the file and the line."""


def _constraint_words(err: Any, label: str) -> str:
    """A frictionless error as one line: "{label} line N: {column} {value} {what is wrong}"."""
    row, col = getattr(err, "row_number", None), getattr(err, "field_name", "")
    where = f"{label} line {row}" if row else label
    cell = getattr(err, "cell", "")
    note = getattr(err, "note", "")
    if err.type == "type-error":
        kind = note.partition(" is ")[2].strip('"').split("/")[0]  # 'type is "date/default"'
        return f"{where}: {col} {cell!r} is not a valid {kind}"
    if err.type == "constraint-error":
        name, _, value = note.partition(" is ")
        name = name.replace("constraint", "").strip().strip('"')
        if name == "required":
            return f"{where}: {col} is required"
        words = {"enum": "is not one of", "pattern": "does not match"}.get(name, f"breaks {name}")
        return f"{where}: {col} {cell!r} {words} {value.strip(chr(34))}"
    if err.type == "unique-error":
        return f"{where}: {col} {cell!r} is not unique"
    if err.type == "primary-key":
        return f"{where}: primary key is not unique ({note})"
    return f"{where}: {err.type}: {err.message}"


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _foreign_key_words(err: Any, label: str, table: str) -> str:
    """A frictionless foreign-key error as one line naming the row, the value and the table it
    is missing from."""
    target = err.reference_name or table
    cells = ", ".join(repr(c) for c in err.field_cells)
    wanted = ", ".join(err.reference_field_names)
    return (
        f"{label} line {err.row_number}: {', '.join(err.field_names)} {cells} is not "
        f"{_article(wanted)} {wanted} of {target}.csv"
    )


def _reviewed_schema(res: Resource, omitted: tuple[str, ...], names: set[str]) -> dict[str, Any]:
    """The resource's Table Schema without the fields the build fills and without foreign keys
    to tables outside the set read together (the caller checks those in their own set)."""
    fields = [f for f in res.fields if f["name"] not in omitted]
    keys = [fk for fk in res.foreign_keys if fk["reference"]["resource"] in ("", res.name, *names)]
    return {**res.schema, "fields": fields, "foreignKeys": keys}


def package_problems(
    directory: Path,
    tables: Mapping[str, tuple[Resource, tuple[str, ...]]],
    labels: Mapping[str, str],
) -> list[str]:
    """Frictionless's own check of several CSVs of one folder read as one package: each against
    its Table Schema (types, required, enum, pattern, bounds, unique, primary key) and the foreign
    keys between them. Each problem is one line naming the file and the line."""
    import frictionless

    resources = [
        frictionless.Resource(
            name=name,
            path=f"{name}.csv",
            encoding="utf-8",
            schema=frictionless.Schema.from_descriptor(_reviewed_schema(res, omitted, set(tables))),
        )
        for name, (res, omitted) in tables.items()
    ]
    report = frictionless.Package(resources=resources, basepath=str(directory)).validate()
    return [
        _foreign_key_words(e, labels[task.name], task.name)
        if e.type == "foreign-key"
        else _constraint_words(e, labels[task.name])
        for task in report.tasks
        for e in task.errors
    ]


def typed_frame(texts: pd.DataFrame, fields: list[Mapping[str, Any]]) -> pd.DataFrame:
    """Text columns in the pandas dtypes of their fields (metadata.types); text stays text, with
    "" for missing, which reviewed tables and curation rely on."""
    out = pd.DataFrame(index=texts.index)
    for f in fields:
        values, dtype = texts[f["name"]], pandas_dtype(f)
        present = values.where(values != "")
        if dtype == "datetime64[ns]":
            out[f["name"]] = pd.to_datetime(present, format=DATE_FORMAT).astype(dtype)
        elif dtype == "boolean":
            true_values, false_values = boolean_values(f)
            truth = dict.fromkeys(true_values, True) | dict.fromkeys(false_values, False)
            out[f["name"]] = present.map(truth).astype(dtype)
        elif dtype in ("Int64", "float64"):
            out[f["name"]] = pd.to_numeric(present).astype(dtype)
        else:
            out[f["name"]] = values.astype(str)
    return out


def read_checked_csvs(
    directory: Path,
    tables: Mapping[str, tuple[Resource, tuple[str, ...]]],
    labels: Mapping[str, str],
) -> dict[str, pd.DataFrame]:
    """Reviewed CSVs `<name>.csv` of one folder, checked together against their resources' Table
    Schemas and the foreign keys between them, then typed. `tables` maps each name to its resource
    and the fields of its schema the file must not have (filled by the build). Raises TableError
    naming the file (and line) of every problem."""
    texts: dict[str, pd.DataFrame] = {}
    for name, (res, omitted) in tables.items():
        path, label = directory / f"{name}.csv", labels[name]
        if not path.exists():
            raise TableError(f"{label}: file not found")
        texts[name] = read_text_csv(path)
        expected = [f["name"] for f in res.fields if f["name"] not in omitted]
        if list(texts[name].columns) != expected:
            missing = [c for c in expected if c not in texts[name].columns]
            extra = [c for c in texts[name].columns if c not in expected]
            raise TableError(
                f"{label}: columns must be exactly {expected} (schemas/{res.name}.schema.json); "
                f"missing {missing}, unexpected {extra}"
            )
    problems = package_problems(directory, tables, labels)
    if problems:
        raise TableError("\n".join(problems))
    return {
        name: typed_frame(texts[name], [f for f in res.fields if f["name"] not in omitted])
        for name, (res, omitted) in tables.items()
    }
