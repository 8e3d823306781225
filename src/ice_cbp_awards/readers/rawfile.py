"""Reading one raw CSV file: checksum, header and physical line numbers.

Values stay strings exactly as in the file ("" for empty cells), so that quarantine can show
what was read.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from ..hashing import sha256_file as sha256_of
from ..tables import TEXT_DTYPE
from .errors import ChecksumMismatch, HeaderMismatch, RawInputError


def verify_checksum(path: Path, expected: str) -> str:
    """Fail loudly when the file's sha256 differs from the manifest's."""
    if not path.exists():
        raise RawInputError(path, "listed in the manifest but not found")
    actual = sha256_of(path)
    if actual != expected.lower():
        raise ChecksumMismatch(
            path, f"sha256 mismatch: manifest says {expected}, file has {actual}"
        )
    return actual


def check_header(path: Path, actual: list[str], expected: list[str]) -> None:
    if actual != expected:
        missing = [c for c in expected if c not in actual]
        unexpected = [c for c in actual if c not in expected]
        raise HeaderMismatch(path, missing, unexpected)


@dataclass
class BadRecord:
    """A record that cannot be mapped to the header: its line, the problem and its cells."""

    line: int
    problem: str
    cells: list[str]


@dataclass
class RawTable:
    """A raw file's rows as strings, with the physical line where each record starts."""

    path: Path
    header: list[str]
    frame: pd.DataFrame  # columns as in the file (or as named), all str
    line_numbers: np.ndarray  # physical 1-based line of each record
    bad_rows: list[BadRecord]  # records with the wrong field count, with the cells as read


def decode(path: Path, data: bytes) -> str:
    """The file as text; a byte that is not UTF-8 is named with its line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start : exc.start + 1].hex()
        raise RawInputError(
            path, f"line {line}: byte 0x{byte} is not UTF-8 (the file must be UTF-8 text)"
        ) from exc


def _scan(
    path: Path, text: str, width: int | None, keep: bool
) -> tuple[list[int], list[BadRecord], list[list[str]], list[str]]:
    """Start line of every record, records whose field count differs from width (the
    header's, taken from the first record when None), the records themselves when keep, and
    the header read. Quoted newlines are honoured; lines split on LF only, so a carriage
    return that is not part of CRLF and not inside quotes (a record broken in two) is an error
    naming its line, not two short records."""
    reader = csv.reader(io.StringIO(text, newline="\n"))
    starts: list[int] = []
    bad: list[BadRecord] = []
    kept: list[list[str]] = []
    header: list[str] = []
    prev_end = 0
    try:
        for rec in reader:
            start, prev_end = prev_end + 1, reader.line_num
            if width is None:
                header, width = rec, len(rec)
                continue
            if len(rec) != width:
                bad.append(BadRecord(start, f"{len(rec)} fields where the header has {width}", rec))
                continue
            starts.append(start)
            if keep:
                kept.append(rec)
    except csv.Error as exc:
        problem = str(exc)
        if "new-line character" in problem:
            problem = "carriage return inside an unquoted field (a record broken in two?)"
        raise RawInputError(path, f"line {reader.line_num}: {problem}") from exc
    return starts, bad, kept, header


def _quick_lines(text: str, width: int | None) -> tuple[np.ndarray, list[str]] | None:
    """Start lines and header of a well-formed file in one C-speed pass: every record has the
    header's field count and takes one physical line. None when either fails (or the text
    does not parse): the record-by-record scan then finds and names what is wrong."""
    reader = csv.reader(io.StringIO(text, newline="\n"))
    try:
        header = [] if width is not None else next(reader, [])
        counts = np.fromiter(map(len, reader), dtype=np.int64)
    except csv.Error:
        return None
    width = len(header) if width is None else width
    first = 1 if width is not None and header else 0
    physical = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
    if (counts != width).any() or physical != first + len(counts):
        return None
    return np.arange(first + 1, first + 1 + len(counts), dtype=np.int64), header


def read_raw_csv(
    path: Path, *, names: list[str] | None = None, skip_header: bool = True
) -> RawTable:
    """Read a CSV as strings. With names, the file has no header (or its header is skipped).

    The fields of every record are counted: a record with more or fewer fields than the
    header is kept out of the frame and listed in bad_rows with its cells, so that the build
    quarantines it (values kept) instead of padding it with empty strings.
    """
    data = path.read_bytes()
    if (whole := arrow_read(data, names, skip_header)) is not None:
        frame, header, lines = whole
        return RawTable(path, header, frame, lines, [])
    text = decode(path, data)
    if names is not None and skip_header:
        text = text.split("\n", 1)[1] if "\n" in text else ""
    quick = _quick_lines(text, len(names) if names else None)
    if quick is not None:
        starts, bad, header = quick[0], [], list(names or quick[1])
    else:
        starts, bad, _, header = _scan(path, text, len(names) if names else None, keep=False)
        header = list(names) if names else header
    lines = np.asarray(starts, dtype=np.int64)
    if names is not None and skip_header:
        lines = lines + 1
    frame = _fast_frame(data, names, skip_header) if not bad else None
    if frame is None or len(frame) != len(starts):
        _, _, kept, _ = _scan(path, text, len(header) if names else None, keep=True)
        frame = pd.DataFrame(kept, columns=header, dtype=str)
        if frame.empty:
            frame = pd.DataFrame({c: pd.Series(dtype=str) for c in header})
    if names is not None and skip_header:
        for b in bad:
            b.line += 1
    return RawTable(path, header, frame, lines, bad)


BOM = b"\xef\xbb\xbf"


def arrow_read(
    data: bytes, names: list[str] | None, skip_header: bool
) -> tuple[pd.DataFrame, list[str], np.ndarray] | None:
    """(frame, header, line numbers) of a well-formed file, parsed by Arrow's multithreaded
    reader: every record has the header's field count and takes one physical line, every value
    is UTF-8. None otherwise, or for a file with no records: the slower readers below then
    find and name what is wrong, or read what is there.

    The frame is the one pandas' C parser gives with `dtype=str` (every value as written, ""
    for an empty cell); the checks are those of `_quick_lines`."""
    body = data[len(BOM) :] if data.startswith(BOM) else data
    if b"\n\n" in body or b"\n\r\n" in body:  # Arrow would read a blank line as empty cells
        return None
    header = list(names) if names else _first_line_cells(body)
    if header is None or len(header) < 2 or len(set(header)) != len(header):
        return None
    physical = body.count(b"\n") + (0 if body.endswith(b"\n") or not body else 1)
    header_lines = 1 if names is None or skip_header else 0
    try:
        table = pacsv.read_csv(
            pa.py_buffer(body),
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=header_lines),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in header},
                strings_can_be_null=False,
                null_values=[],
            ),
        )
    except pa.ArrowInvalid:  # a record of another field count, a value not UTF-8
        return None
    n = table.num_rows
    if not n or physical != header_lines + n:  # a record over two lines, a stray CR
        return None
    # one buffer per column, as pandas' own reader gives: pandas takes rows from a column of
    # many Arrow chunks several times slower
    frame = table.combine_chunks().to_pandas(types_mapper={pa.string(): TEXT_DTYPE}.get)
    lines = np.arange(header_lines + 1, header_lines + 1 + n, dtype=np.int64)
    return frame, header, lines


def _first_line_cells(body: bytes) -> list[str] | None:
    """The cells of the file's first line, or None when it is not UTF-8 CSV on its own."""
    try:
        line = body.split(b"\n", 1)[0].decode("utf-8")
        return next(csv.reader([line.removesuffix("\r")]), None)
    except (UnicodeDecodeError, csv.Error):
        return None


def _fast_frame(data: bytes, names: list[str] | None, skip_header: bool) -> pd.DataFrame | None:
    """The C parser's frame (much faster than building one from Python lists)."""
    try:
        return pd.read_csv(
            io.BytesIO(data),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            header=None if names else 0,
            names=names,
            skiprows=1 if (names and skip_header) else 0,
            encoding="utf-8-sig",
            engine="c",
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError):
        return None


def read_header(path: Path) -> list[str]:
    """The first record; bytes that are not UTF-8 or a broken record are named with the line."""
    with path.open("rb") as fh:
        first = fh.readline()
    _, _, _, header = _scan(path, decode(path, first), None, keep=False)
    return header
