"""Reading one raw CSV file: checksum, header and physical line numbers.

Values stay strings exactly as in the file ("" for empty cells), so that quarantine can show
what was read.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import ChecksumMismatch, HeaderMismatch, RawInputError


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


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
class RawTable:
    """A raw file's rows as strings, with the physical line where each record starts."""

    path: Path
    header: list[str]
    frame: pd.DataFrame  # columns as in the file (or as named), all str
    line_numbers: np.ndarray  # physical 1-based line of each record
    bad_rows: list[tuple[int, str]]  # (line, problem) of records with the wrong field count


def _record_start_lines(data: bytes, has_header: bool) -> np.ndarray:
    """Physical start line of every record, honouring quoted newlines."""
    text = io.StringIO(data.decode("utf-8-sig"))
    reader = csv.reader(text)
    starts = []
    prev_end = 0
    for _ in reader:
        starts.append(prev_end + 1)
        prev_end = reader.line_num
    arr = np.asarray(starts, dtype=np.int64)
    return arr[1:] if has_header else arr


def read_raw_csv(
    path: Path, *, names: list[str] | None = None, skip_header: bool = True
) -> RawTable:
    """Read a CSV as strings. With names, the file has no header (or its header is skipped).

    Records with the wrong number of fields are kept out of the frame and listed in
    bad_rows, so that the build quarantines them instead of failing the whole file.
    """
    data = path.read_bytes()
    has_header = names is None or skip_header
    try:
        frame = pd.read_csv(
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
    except pd.errors.ParserError:
        return _read_slow(path, data, names, has_header)
    except UnicodeDecodeError as exc:
        raise RawInputError(path, f"not UTF-8 text: {exc}") from exc
    header = list(frame.columns) if names is None else names
    n_lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if n_lines == len(frame) + (1 if has_header else 0):
        first = 2 if has_header else 1
        lines = np.arange(first, first + len(frame), dtype=np.int64)
    else:
        lines = _record_start_lines(data, has_header)
    if len(lines) != len(frame):
        raise RawInputError(path, "could not align records with physical lines")
    short = frame.isna().any(axis=1).to_numpy()
    if short.any():
        bad = [(int(ln), "fewer fields than the header") for ln in lines[short]]
        frame, lines = frame[~short].reset_index(drop=True), lines[~short]
        return RawTable(path, header, frame, lines, bad)
    return RawTable(path, header, frame, lines, [])


def _read_slow(path: Path, data: bytes, names: list[str] | None, has_header: bool) -> RawTable:
    """Record-by-record reading for files with malformed records."""
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    rows: list[list[str]] = []
    lines: list[int] = []
    bad: list[tuple[int, str]] = []
    header = names
    prev_end = 0
    for i, rec in enumerate(reader):
        start, prev_end = prev_end + 1, reader.line_num
        if i == 0 and has_header:
            header = header or rec
            continue
        assert header is not None
        if len(rec) != len(header):
            bad.append((start, f"{len(rec)} fields where the header has {len(header)}"))
            continue
        rows.append(rec)
        lines.append(start)
    assert header is not None
    frame = pd.DataFrame(rows, columns=header, dtype=str)
    return RawTable(path, list(header), frame, np.asarray(lines, dtype=np.int64), bad)


def read_header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh), [])
