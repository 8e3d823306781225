"""Manifests: the sha256 list beside every raw family, read before any data file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .errors import RawInputError


def read_manifest(path: Path, required: list[str]) -> pd.DataFrame:
    if not path.exists():
        raise RawInputError(path, "manifest not found")
    if not path.read_bytes().strip():
        raise RawInputError(path, "manifest is empty (no header, no rows)")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RawInputError(path, f"manifest is not UTF-8 text ({exc.reason})") from exc
    except pd.errors.ParserError as exc:
        raise RawInputError(path, f"manifest is not a readable CSV: {exc}".strip()) from exc
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise RawInputError(path, "manifest lacks columns " + ", ".join(missing))
    return frame


def entry_year(entry: dict[str, str], manifest: Path) -> int | None:
    """The fiscal year a manifest row gives its file, or None when it gives none."""
    value = str(entry.get("fiscal_year", "")).strip()
    if not value:
        return None
    if not value.isdigit() or not 1990 <= int(value) <= 2100:
        raise RawInputError(
            manifest, f"row of {entry.get('path', '?')}: fiscal_year {value!r} is not a year"
        )
    return int(value)


def utc_iso(value: str, where: Path | str | None = None) -> str:
    """A timestamp as ISO 8601 UTC with Z (dates alone count as midnight UTC); a value that is
    not one is an error naming `where` (the manifest and the file its row lists)."""
    try:
        ts = pd.Timestamp(value)
    except ValueError as exc:
        raise RawInputError(
            where or "manifest", f"retrieved_at {value!r} is not a timestamp"
        ) from exc
    if pd.isna(ts):
        raise RawInputError(where or "manifest", f"retrieved_at {value!r} is not a timestamp")
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")
