"""Writing a fetched table: UTF-8, a header row, written atomically (never half a file)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ..jsonfiles import atomic_write_text


def write_csv(path: Path, columns: list[str], rows: Iterable[dict[str, str]]) -> None:
    """CSV with the csv module's defaults (CRLF, minimal quoting), like the raw files."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="raise")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    atomic_write_text(path, out.getvalue())


def text(value: Any) -> str:
    """A cell: "" for a missing value, the value's text otherwise (surrounding space trimmed)."""
    if value is None:
        return ""
    return str(value).strip()


def amount(value: Any) -> str:
    """A dollar amount as a plain decimal, whether the upstream sent a number or a string."""
    if value is None or value == "":
        return ""
    try:
        return format(Decimal(str(value).strip()), "f")
    except InvalidOperation:
        return str(value).strip()


def day(value: Any) -> str:
    """YYYY-MM-DD from a date or a 'YYYY-MM-DD hh:mm:ss' timestamp; other text as given."""
    s = text(value)
    if len(s) >= 10 and s[4] == "-" and s[7] == "-" and s[:4].isdigit():
        return s[:10]
    return s
